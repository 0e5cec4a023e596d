"""Sign-up with e-mail verification, and password reset, through the test client."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from creditbank.models import AuditEvent
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Quiet-River-2026"


def _link(mail) -> str:
    return re.search(r"https?://testserver(/\S+)", mail.body).group(1)


def test_sign_up_needs_the_emailed_link_before_the_first_log_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # allauth's mail goes by a task
        response = client.post(
            reverse("account_signup"),
            {
                "username": "lisi",
                "email": "lisi@example.com",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
            },
        )
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    user = get_user_model().objects.get(username="lisi")
    assert user.password.startswith("md5$")  # hashed (the tests use a fast hasher)
    assert not user.emailaddress_set.get().verified
    assert "_auth_user_id" not in client.session

    assert len(mailoutbox) == 1
    confirm = _link(mailoutbox[0])
    client.post(confirm)
    assert user.emailaddress_set.get().verified
    assert client.session["_auth_user_id"] == str(user.pk)
    assert AuditEvent.objects.filter(action="auth.login", actor=user).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("password1", "12345678"), ("password1", "password123"), ("email", "not-an-address")],
)
def test_sign_up_with_bad_input_is_refused_beside_the_field(client, field, value):
    data = {
        "username": "wangwu",
        "email": "wangwu@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
    }
    data[field] = value
    if field == "password1":
        data["password2"] = value
    response = client.post(reverse("account_signup"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.get(field)
    assert 'aria-invalid="true"' in response.content.decode()
    assert not get_user_model().objects.filter(username="wangwu").exists()


def test_a_forgotten_password_is_reset_through_the_emailed_link(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    user = UserFactory(username="zhaoliu", email="zhaoliu@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "zhaoliu@example.com"})
    assert len(mailoutbox) == 1
    form_url = client.get(_link(mailoutbox[0])).url
    response = client.post(form_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert "reset" not in str(AuditEvent.objects.values_list("summary", flat=True))


def test_a_reset_for_an_unknown_address_reveals_nothing(client, mailoutbox):
    response = client.post(reverse("account_reset_password"), {"email": "nobody@example.com"})
    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
