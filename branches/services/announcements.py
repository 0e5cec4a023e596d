"""The centre's announcements (信息公告) and policy documents (政策文件).

The transitions, written once here::

    draft → published → unpublished → published → …

A draft or an unpublished announcement may be edited; a published one must be unpublished
first, so that what the public read is never changed under them.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput
from creditbank.text import clean_text

from ..models import Announcement
from ._summary import changes

Status = Announcement.Status
TITLE_MAX = Announcement._meta.get_field("title").max_length
BODY_MAX = Announcement._meta.get_field("body").max_length

# action → (statuses it may start from, status it leads to)
ANNOUNCEMENT_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({Status.DRAFT, Status.UNPUBLISHED}), Status.PUBLISHED),
    "unpublish": (frozenset({Status.PUBLISHED}), Status.UNPUBLISHED),
}
EDITABLE = frozenset({Status.DRAFT, Status.UNPUBLISHED})


def announcement_actions(announcement: Announcement) -> list[str]:
    """The transitions open to ``announcement`` now."""
    return [
        action
        for action, (sources, _to) in ANNOUNCEMENT_TRANSITIONS.items()
        if announcement.status in sources
    ]


def announcement_is_editable(announcement: Announcement) -> bool:
    return announcement.status in EDITABLE


def _summary(announcement: Announcement) -> dict:
    return {
        "kind": announcement.kind,
        "title": announcement.title,
        "body_chars": len(announcement.body),
        "status": announcement.status,
    }


def _check_content(kind: str, title: str, body: str) -> tuple[str, str]:
    """The title and text normalised as the form does (creditbank.text)."""
    if kind not in Announcement.Kind.values:
        raise InvalidInput(_("Unknown kind of announcement."), field="kind", code="unknown_kind")
    title = clean_text(title, field="title", max_length=TITLE_MAX, required=False)
    if not title:
        raise InvalidInput(_("Please give a title."), field="title", code="required")
    body = clean_text(body, field="body", max_length=BODY_MAX, required=False, multiline=True)
    if not body:
        raise InvalidInput(_("Please write the text."), field="body", code="required")
    return title, body


@transaction.atomic
def announcement_create(*, acting_user, kind: str, title: str, body: str) -> Announcement:
    """Draft an announcement or policy document. Nothing is public until it is published."""
    title, body = _check_content(kind, title, body)
    announcement = Announcement.objects.create(
        kind=kind, title=title, body=body, status=Status.DRAFT, created_by=acting_user
    )
    audit_record(
        actor=acting_user,
        action="announcement.create",
        target=announcement,
        after=_summary(announcement),
    )
    return announcement


@transaction.atomic
def announcement_update(
    *, acting_user, announcement: Announcement, kind: str, title: str, body: str
) -> Announcement:
    """Change the kind, title or text of a draft or unpublished announcement; a published one
    is refused (unpublish it first)."""
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status not in EDITABLE:
        raise IllegalTransition(
            _("A published announcement cannot be edited; unpublish it first."),
            code="not_editable",
        )
    title, body = _check_content(kind, title, body)
    before = _summary(announcement)
    body_changed = announcement.body != body
    announcement.kind, announcement.title, announcement.body = kind, title, body
    old, new = changes(before, _summary(announcement))
    if new or body_changed:
        announcement.save(update_fields=["kind", "title", "body", "updated_at"])
        audit_record(
            actor=acting_user,
            action="announcement.update",
            target=announcement,
            before=old or {"body_chars": before["body_chars"]},
            after=new or {"body_chars": len(body)},
        )
    return announcement


def _transition(acting_user, announcement: Announcement, action: str) -> Announcement:
    sources, target = ANNOUNCEMENT_TRANSITIONS[action]
    announcement = Announcement.objects.select_for_update().get(pk=announcement.pk)
    if announcement.status not in sources:
        raise IllegalTransition(
            _("An announcement that is “%(status)s” cannot be changed this way.")
            % {"status": announcement.get_status_display()},
            code="illegal_transition",
        )
    before = {"status": announcement.status}
    announcement.status = target
    fields = ["status", "updated_at"]
    if target == Status.PUBLISHED:
        announcement.published_at = timezone.now()
        fields.append("published_at")
    announcement.save(update_fields=fields)
    after = {"status": target}
    if target == Status.PUBLISHED:
        after["published_at"] = announcement.published_at.isoformat()
    audit_record(
        actor=acting_user,
        action=f"announcement.{action}",
        target=announcement,
        before=before,
        after=after,
    )
    return announcement


@transaction.atomic
def announcement_publish(*, acting_user, announcement: Announcement) -> Announcement:
    """Publish a draft or unpublished announcement now: the public sees it, dated now."""
    return _transition(acting_user, announcement, "publish")


@transaction.atomic
def announcement_unpublish(*, acting_user, announcement: Announcement) -> Announcement:
    """Take a published announcement off the public pages; it may be edited and published
    again."""
    return _transition(acting_user, announcement, "unpublish")
