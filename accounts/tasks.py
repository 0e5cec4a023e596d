from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from . import lockout
from .models import Notice
from .services.institutions import invitation_email_send


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def notice_email(notice_id: int) -> bool:
    """E-mail one notice; safe to run twice (a notice is e-mailed at most once)."""
    with transaction.atomic():
        notice = (
            Notice.objects.select_for_update()
            .select_related("user")
            .filter(pk=notice_id, emailed_at__isnull=True)
            .first()
        )
        if notice is None:
            return False
        link = settings.CREDITBANK_SITE_URL + notice.link if notice.link.startswith("/") else ""
        send_mail(notice.title, f"{notice.body}\n\n{link}".strip(), None, [notice.user.email])
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_at"])
    return True


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=5)
def invitation_email(invitation_id: int) -> bool:
    """E-mail one staff invitation, making its token; safe to run twice (sent at most once)."""
    return invitation_email_send(invitation_id=invitation_id)


@shared_task
def login_guards_prune() -> int:
    """Delete log-in guards with no recent failure and no lock (daily; safe to run twice)."""
    return lockout.prune()
