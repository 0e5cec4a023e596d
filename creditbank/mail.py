"""E-mail that a library renders — allauth's address confirmations and password resets — sent
by a Celery task that is given only an id.

allauth builds these messages itself, from the request (its templates, its links, the language
the person asked in), and their links carry secrets that exist nowhere else (a confirmation key,
a password-reset key). Rather than hand such a message to the broker, where it would sit in
Redis and in the task's arguments and logs, ``email_queue`` keeps it encrypted
(creditbank.pii) in an ``OutgoingEmail`` row written in the caller's transaction; once that
commits, the ``email_send`` task gets the row's id, sends the message and empties the row.

Our own e-mails do not come here: their tasks take the ids of the rows the e-mail is about and
render it in the worker (accounts.tasks, branches.tasks).

Without ``EMAIL_URL`` (development, ``make run``) e-mails are not sent but written to the log
by ``ConsoleEmailBackend``, readable: the subject and body as text, not MIME-encoded.
"""

import json
import logging

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone

from . import pii
from .models import OutgoingEmail
from .redaction import redact_text

console_log = logging.getLogger("creditbank.mail")


def _seal(message: EmailMessage) -> str:
    return pii.encrypt(
        json.dumps(
            {
                "subject": message.subject,
                "body": message.body,
                "from_email": message.from_email,
                "to": list(message.to),
                "cc": list(message.cc),
                "bcc": list(message.bcc),
                "reply_to": list(message.reply_to),
                "headers": dict(message.extra_headers),
                "content_subtype": message.content_subtype,
                "alternatives": [
                    [content, mimetype]
                    for content, mimetype in getattr(message, "alternatives", [])
                ],
            }
        )
    )


def _unseal(sealed: str) -> EmailMultiAlternatives:
    data = json.loads(pii.decrypt(sealed))
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    message.content_subtype = data["content_subtype"]
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def email_queue(message: EmailMessage) -> OutgoingEmail:
    """Keep ``message`` (encrypted) and send it by a task once the current transaction commits;
    nothing is sent if it rolls back. Attachments are not kept (no caller sends any)."""
    from .tasks import email_send

    email = OutgoingEmail.objects.create(sealed=_seal(message))
    transaction.on_commit(lambda: email_send.delay(email.pk))
    return email


@transaction.atomic
def email_send_queued(*, email_id: int) -> bool:
    """Send one queued e-mail and empty its row; ``False`` if it was sent already (safe to run
    twice). The row stays locked while the message goes out, so a failed send changes nothing
    and the task's retry sends it again."""
    email = (
        OutgoingEmail.objects.select_for_update().filter(pk=email_id, sent_at__isnull=True).first()
    )
    if email is None:
        return False
    _unseal(email.sealed).send()
    email.sealed, email.sent_at = "", timezone.now()
    email.save(update_fields=["sealed", "sent_at"])
    return True


def readable(message: EmailMessage) -> str:
    """``message`` as a person reads it: its headers decoded (the subject in Chinese, not
    ``=?utf-8?b?…?=``), its text body as it is (not base64 or quoted-printable), and a line for
    each HTML alternative or attachment. ID numbers in the subject and body are masked, as in
    every log; the generated ``Date`` and ``Message-ID`` are shown as they are."""
    mime = message.message()
    headers = [
        ("From", message.from_email),
        ("To", ", ".join(message.to)),
        ("Cc", ", ".join(message.cc)),
        ("Reply-To", ", ".join(message.reply_to)),
        ("Subject", redact_text(message.subject)),
        ("Date", mime["Date"]),
        ("Message-ID", mime["Message-ID"]),
    ]
    lines = [f"{name}: {value}" for name, value in headers if value]
    lines += ["", redact_text(message.body).rstrip("\n")]
    for content, mimetype in getattr(message, "alternatives", []):
        lines.append(f"[{mimetype} alternative, {len(content)} characters, not shown]")
    for attachment in message.attachments:
        name, content, mimetype = (
            (attachment.get_filename(), attachment.get_payload(), attachment.get_content_type())
            if not isinstance(attachment, tuple)
            else attachment
        )
        lines.append(f"[attachment {name}, {mimetype}, {len(content)} bytes]")
    return "\n".join(lines)


class ConsoleEmailBackend(BaseEmailBackend):
    """Writes each e-mail to the log (logger ``creditbank.mail``) as ``readable`` shows it,
    instead of sending it: one record per e-mail, so that it reads as one block in the `make
    run` log, whether it was sent by a web process or a Celery worker. The record is masked
    here and marked so, and the log filter leaves it alone: that filter would take the digits
    of a Message-ID for an ID number."""

    def send_messages(self, email_messages) -> int:
        count = 0
        for message in email_messages:
            if not message.recipients():
                continue
            console_log.info(
                "e-mail (not sent: no EMAIL_URL)\n%s\n%s",
                readable(message),
                "-" * 79,
                extra={"redacted": True},
            )
            count += 1
        return count
