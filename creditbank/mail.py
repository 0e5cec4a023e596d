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
"""

import json

from django.core.mail import EmailMessage, EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from . import pii
from .models import OutgoingEmail


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
