"""Changing the e-mail address asks for the password again (allauth reauthentication)."""

import pytest
from django.urls import reverse

from tests.accounts.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_adding_an_email_address_asks_for_the_password_again(client):
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_reauthenticate"))
    assert not user.emailaddress_set.filter(email="new@example.com").exists()

    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    address = user.emailaddress_set.get(email="new@example.com")
    assert not address.verified
