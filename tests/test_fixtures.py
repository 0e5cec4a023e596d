"""The shared fixtures hold what the tests rely on: ``people`` (tests/conftest.py) are built a
table at a time, and the role matrix's fingerprint of the guarded rows is computed in one query;
both must still be what the tests were written against."""

import time

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.urls import reverse

from accounts.models import Institution
from accounts.roles import roles_of
from branches.models import StaffAssignment
from tests.accounts.factories import PASSWORD
from tests.conftest import ALL_ROLES
from tests.test_role_matrix import _fingerprint

pytestmark = pytest.mark.django_db


def test_each_fixture_person_holds_their_role_and_no_other(people):
    assert set(people) == {*ALL_ROLES, "outsider"}
    for name, user in people.items():
        assert user.username == name
        assert roles_of(user) == {"learner" if name == "outsider" else name}, name


def test_each_has_the_password_and_a_verified_address_and_staff_have_an_authenticator(people):
    for name, user in people.items():
        assert user.check_password(PASSWORD), name
        assert EmailAddress.objects.filter(
            user=user, email=f"{name}@example.com", verified=True, primary=True
        ).exists(), name
        authenticators = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP)
        assert authenticators.count() == (0 if name in {"learner", "outsider"} else 1), name


def test_a_staff_members_authenticator_accepts_the_current_code(people):
    authenticator = Authenticator.objects.get(user=people["expert"])
    secret = decrypt(authenticator.data["secret"])
    if 30 - time.time() % 30 < 1:
        time.sleep(1.1)  # not the code of a 30-second step about to end
    code = format_hotp_value(hotp_value(secret, int(time.time()) // 30))
    assert TOTP(authenticator).validate_code(code)


def test_the_learner_signs_in_on_the_log_in_page(client, people):
    response = client.post(reverse("account_login"), {"login": "learner", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(people["learner"].pk)


def test_the_matrix_fingerprint_changes_with_any_guarded_row_and_only_then(people):
    before = _fingerprint()
    assert _fingerprint() == before
    institution = Institution.objects.get(staff__user=people["institution_admin"])
    Institution.objects.filter(pk=institution.pk).update(name="改过的名字")
    assert _fingerprint() != before
    Institution.objects.filter(pk=institution.pk).update(name=institution.name)
    assert _fingerprint() == before
    StaffAssignment.objects.filter(user=people["branch_staff"]).delete()
    assert _fingerprint() != before
