"""allauth's e-mails go out through the ``email_send`` task after commit (creditbank.mail): the
broker gets an id, the database an encrypted message that is emptied once sent."""

import re

import pytest
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse

from creditbank.mail import email_queue
from creditbank.models import OutgoingEmail
from creditbank.tasks import email_send

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "username": "lisi",
    "email": "lisi@example.com",
    "password1": "Quiet-River-2026",
    "password2": "Quiet-River-2026",
}


def test_a_sign_up_confirmation_is_queued_by_id_and_sent_once_after_commit(
    client, mailoutbox, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr(email_send, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert client.post(reverse("account_signup"), SIGN_UP).status_code == 302
    assert mailoutbox == [] and queued == []  # nothing before the commit
    for callback in callbacks:
        callback()
    email = OutgoingEmail.objects.get()
    assert queued == [(email.pk,)]  # the task is given the id, nothing else
    assert "lisi@example.com" not in email.sealed and "confirm" not in email.sealed
    assert email_send(email.pk) is True
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["lisi@example.com"]
    confirm = re.search(r"https?://testserver(/\S+)", message.body).group(1)
    assert confirm.startswith("/accounts/confirm-email/")
    email.refresh_from_db()
    assert (email.sealed, email.sent_at is not None) == ("", True)  # the secret is gone
    assert email_send(email.pk) is False  # a second run sends nothing
    assert len(mailoutbox) == 1
    client.post(confirm)
    assert client.session["_auth_user_id"]


def test_a_password_reset_mail_is_in_the_language_it_was_asked_in(
    client, mailoutbox, django_capture_on_commit_callbacks
):
    from tests.accounts.factories import UserFactory

    UserFactory(username="zhaoliu", email="zhaoliu@example.com")
    client.cookies["creditbank_language"] = "en"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("account_reset_password"), {"email": "zhaoliu@example.com"})
    assert len(mailoutbox) == 1
    assert "Password Reset" in mailoutbox[0].subject
    assert "/accounts/password/reset/key/" in mailoutbox[0].body


def _message():
    message = EmailMultiAlternatives("主题", "正文 https://x/secret/", None, ["a@example.com"])
    message.attach_alternative("<p>正文</p>", "text/html")
    return message


def test_nothing_is_queued_or_sent_when_the_transaction_rolls_back(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email_queue(_message())
        transaction.set_rollback(True)
    assert callbacks == []
    assert mailoutbox == []
    assert not OutgoingEmail.objects.exists()


def test_the_message_goes_out_as_it_was_rendered(mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(_message())
    sent = mailoutbox[0]
    assert (sent.subject, sent.body, sent.to) == (
        "主题",
        "正文 https://x/secret/",
        ["a@example.com"],
    )
    assert sent.alternatives[0][0] == "<p>正文</p>"


def test_a_failed_send_keeps_the_message_for_the_retry(mailoutbox, monkeypatch):
    monkeypatch.setattr(email_send, "delay", lambda *args: None)
    email = email_queue(_message())

    def refused(self, *args, **kwargs):
        raise OSError("the mail server is down")

    monkeypatch.setattr(EmailMultiAlternatives, "send", refused)
    with pytest.raises(OSError):
        email_send(email.pk)
    email.refresh_from_db()
    assert email.sent_at is None and email.sealed
    monkeypatch.undo()
    assert email_send(email.pk) is True
    assert len(mailoutbox) == 1
