"""Staff must set up TOTP before any staff page; learners need not."""

import pytest
from django.urls import reverse

from tests.accounts.factories import RoleGrantFactory, UserFactory
from tests.conftest import ALL_ROLES, with_totp

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", [r for r in ALL_ROLES if r != "learner"])
def test_staff_without_totp_are_sent_to_set_it_up(client, people, role):
    user = people[role]
    user.authenticator_set.all().delete()
    client.force_login(user)
    response = client.get(reverse("accounts:desk"))
    assert response.status_code == 302
    assert response.url == reverse("mfa_activate_totp")
    assert client.get(reverse("mfa_activate_totp")).status_code in {200, 302}


def test_staff_with_totp_reach_their_desk(client, people):
    client.force_login(people["branch_staff"])
    assert client.get(reverse("accounts:desk")).status_code == 200


def test_a_learner_needs_no_totp(client, people):
    client.force_login(people["learner"])
    assert client.get(reverse("accounts:desk")).status_code == 200


def test_a_new_role_brings_the_requirement_with_it(client):
    person = UserFactory()
    client.force_login(person)
    assert client.get(reverse("accounts:desk")).status_code == 200
    RoleGrantFactory(user=person, role="expert")
    assert client.get(reverse("accounts:desk")).url == reverse("mfa_activate_totp")
    with_totp(person)
    assert client.get(reverse("accounts:desk")).status_code == 200
