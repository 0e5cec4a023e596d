"""In-site notices (站内通知), each also sent by e-mail.

A notice is the consequence of a state change that its own service has already audited, so
sending one writes no audit event of its own; nor does reading one.

A notice is stored as text, written once, so it is written in the recipient's language rather
than the language of whoever's step caused it: the bank keeps no language per person, so that is
the site's language (``notice_language``). Services build a notice's title and body inside
``with notice_language():``.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation

from ..cache import user_changed
from ..models import Notice


def notice_language():
    """A context in which notice texts are translated into the recipient's language: the site's
    (``LANGUAGE_CODE``), whatever language the acting person's page is in."""
    return translation.override(settings.LANGUAGE_CODE)


@transaction.atomic
def notice_send(*, user, title: str, body: str = "", link: str = "", email: bool = True) -> Notice:
    """Leave a notice for ``user``; after commit a Celery task e-mails it (at most once)."""
    # Saved, not updated: accounts.cache drops the recipient's unread count on its own.
    notice = Notice.objects.create(user=user, title=title[:120], body=body[:2000], link=link)
    if email and user.email:
        from ..tasks import notice_email

        transaction.on_commit(lambda: notice_email.delay(notice.pk))
    return notice


@transaction.atomic
def notice_open(*, acting_user, notice: Notice) -> Notice:
    """``acting_user`` opens their ``notice`` (loaded through ``accounts.access.notice_for``): it
    is marked read, once (a second opening keeps the first time). Returns the notice."""
    now = timezone.now()
    if Notice.objects.filter(pk=notice.pk, user=acting_user, read_at__isnull=True).update(
        read_at=now
    ):
        notice.read_at = now
        user_changed(acting_user.pk)  # the header's unread count, cached per person
    return notice


@transaction.atomic
def notices_mark_read(*, acting_user) -> int:
    """Mark all of ``acting_user``'s unread notices read; returns how many."""
    count = Notice.objects.filter(user=acting_user).unread().update(read_at=timezone.now())
    if count:
        user_changed(acting_user.pk)
    return count
