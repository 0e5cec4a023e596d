"""Two-factor authentication (TOTP with recovery codes) is open to everyone."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def totp_now(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _activate(client, user):
    """Sign in with the password and switch TOTP on, as the person would on the page."""
    client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    # Switching a security setting asks for the password again first.
    assert client.get(reverse("mfa_activate_totp")).url.startswith(
        reverse("account_reauthenticate")
    )
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    secret = page.context["form"].secret
    response = client.post(reverse("mfa_activate_totp"), {"code": totp_now(secret)})
    assert response.status_code == 302, response.content.decode()[:2000]
    return secret


def test_a_learner_switches_totp_on_and_gets_recovery_codes(client):
    user = UserFactory()
    _activate(client, user)
    kinds = set(Authenticator.objects.filter(user=user).values_list("type", flat=True))
    assert kinds == {Authenticator.Type.TOTP, Authenticator.Type.RECOVERY_CODES}
    page = client.get(reverse("mfa_view_recovery_codes")).content.decode()
    assert page.count("\n") > 10


def test_with_totp_on_the_password_alone_does_not_sign_in(client):
    user = UserFactory()
    secret = _activate(client, user)
    client.post(reverse("account_logout"))

    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("mfa_authenticate"), {"code": totp_now(secret)})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
