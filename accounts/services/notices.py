"""In-site notices (站内通知), each also sent by e-mail.

A notice is the consequence of a state change that its own service has already audited, so
sending one writes no audit event of its own; nor does reading one.
"""

from django.db import transaction
from django.utils import timezone

from ..models import Notice


@transaction.atomic
def notice_send(*, user, title: str, body: str = "", link: str = "", email: bool = True) -> Notice:
    """Leave a notice for ``user``; after commit a Celery task e-mails it (at most once)."""
    notice = Notice.objects.create(user=user, title=title[:120], body=body[:2000], link=link)
    if email and user.email:
        from ..tasks import notice_email

        transaction.on_commit(lambda: notice_email.delay(notice.pk))
    return notice


def notices_mark_read(*, acting_user) -> int:
    """Mark all of ``acting_user``'s unread notices read; returns how many."""
    return Notice.objects.filter(user=acting_user).unread().update(read_at=timezone.now())
