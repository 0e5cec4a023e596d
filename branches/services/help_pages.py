"""The help pages for learners (办事指南) the centre writes, as it writes announcements.

The transitions, written once here::

    draft → published → unpublished → published → …

A draft or an unpublished page may be edited; a published one must be unpublished first, so
that what the public read is never changed under them.
"""

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput
from creditbank.text import clean_text

from ..models import HelpPage
from ._summary import changes

Status = HelpPage.Status
SLUG_MAX = HelpPage._meta.get_field("slug").max_length
TITLE_MAX = HelpPage._meta.get_field("title").max_length
SUMMARY_MAX = HelpPage._meta.get_field("summary").max_length
BODY_MAX = HelpPage._meta.get_field("body").max_length
ORDER_MAX = 999
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# action → (statuses it may start from, status it leads to)
HELP_PAGE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "publish": (frozenset({Status.DRAFT, Status.UNPUBLISHED}), Status.PUBLISHED),
    "unpublish": (frozenset({Status.PUBLISHED}), Status.UNPUBLISHED),
}
EDITABLE = frozenset({Status.DRAFT, Status.UNPUBLISHED})


def help_page_actions(page: HelpPage) -> list[str]:
    """The transitions open to ``page`` now."""
    return [
        action for action, (sources, _to) in HELP_PAGE_TRANSITIONS.items() if page.status in sources
    ]


def help_page_is_editable(page: HelpPage) -> bool:
    return page.status in EDITABLE


def _summary(page: HelpPage) -> dict:
    return {
        "slug": page.slug,
        "title": page.title,
        "summary": page.summary,
        "order": page.order,
        "body_chars": len(page.body),
        "status": page.status,
    }


def _taken_slug() -> InvalidInput:
    return InvalidInput(
        _("Another help page already has this address."), field="slug", code="slug_taken"
    )


def _check_content(
    slug: str, title: str, summary: str, body: str, order: int
) -> tuple[str, str, str, str, int]:
    """The fields normalised as the form does (creditbank.text), or the first refusal."""
    slug = (slug or "").strip().lower()
    if not slug:
        raise InvalidInput(_("Please give the page an address."), field="slug", code="required")
    if len(slug) > SLUG_MAX or not _SLUG.match(slug):
        raise InvalidInput(
            _("Use lower-case letters, digits and single hyphens, at most %(max)s characters.")
            % {"max": SLUG_MAX},
            field="slug",
            code="invalid_slug",
        )
    title = clean_text(title, field="title", max_length=TITLE_MAX, required=False)
    if not title:
        raise InvalidInput(_("Please give a title."), field="title", code="required")
    summary = clean_text(summary, field="summary", max_length=SUMMARY_MAX, required=False)
    body = clean_text(body, field="body", max_length=BODY_MAX, required=False, multiline=True)
    if not body:
        raise InvalidInput(_("Please write the text."), field="body", code="required")
    if not isinstance(order, int) or not 0 <= order <= ORDER_MAX:
        raise InvalidInput(
            _("Give a whole number from 0 to %(max)s.") % {"max": ORDER_MAX},
            field="order",
            code="invalid_order",
        )
    return slug, title, summary, body, order


@transaction.atomic
def help_page_create(
    *, acting_user, slug: str, title: str, summary: str = "", body: str, order: int = 100
) -> HelpPage:
    """Draft a help page at ``/help/<slug>/``. Nothing is public until it is published; an
    address another page has is refused on the ``slug`` field."""
    slug, title, summary, body, order = _check_content(slug, title, summary, body, order)
    if HelpPage.objects.filter(slug=slug).exists():
        raise _taken_slug()
    try:
        with transaction.atomic():
            page = HelpPage.objects.create(
                slug=slug,
                title=title,
                summary=summary,
                body=body,
                order=order,
                status=Status.DRAFT,
                created_by=acting_user,
            )
    except IntegrityError as exc:  # the same address taken at the same moment
        raise _taken_slug() from exc
    audit_record(actor=acting_user, action="help_page.create", target=page, after=_summary(page))
    return page


@transaction.atomic
def help_page_update(
    *,
    acting_user,
    page: HelpPage,
    slug: str,
    title: str,
    summary: str = "",
    body: str,
    order: int,
) -> HelpPage:
    """Change a draft or unpublished help page; a published one is refused (unpublish it
    first). Nothing is written, and no event, when nothing changed."""
    page = HelpPage.objects.select_for_update().get(pk=page.pk)
    if page.status not in EDITABLE:
        raise IllegalTransition(
            _("A published help page cannot be edited; unpublish it first."),
            code="not_editable",
        )
    slug, title, summary, body, order = _check_content(slug, title, summary, body, order)
    if HelpPage.objects.filter(slug=slug).exclude(pk=page.pk).exists():
        raise _taken_slug()
    before = _summary(page)
    body_changed = page.body != body
    page.slug, page.title, page.summary, page.body, page.order = slug, title, summary, body, order
    old, new = changes(before, _summary(page))
    if new or body_changed:
        try:
            with transaction.atomic():
                page.save(update_fields=["slug", "title", "summary", "body", "order", "updated_at"])
        except IntegrityError as exc:
            raise _taken_slug() from exc
        audit_record(
            actor=acting_user,
            action="help_page.update",
            target=page,
            before=old or {"body_chars": before["body_chars"]},
            after=new or {"body_chars": len(body)},
        )
    return page


def _transition(acting_user, page: HelpPage, action: str) -> HelpPage:
    sources, target = HELP_PAGE_TRANSITIONS[action]
    page = HelpPage.objects.select_for_update().get(pk=page.pk)
    if page.status not in sources:
        raise IllegalTransition(
            _("A help page that is “%(status)s” cannot be changed this way.")
            % {"status": page.get_status_display()},
            code="illegal_transition",
        )
    before = {"status": page.status}
    page.status = target
    fields = ["status", "updated_at"]
    after = {"status": target}
    if target == Status.PUBLISHED:
        page.published_at = timezone.now()
        fields.append("published_at")
        after["published_at"] = page.published_at.isoformat()
    page.save(update_fields=fields)
    audit_record(
        actor=acting_user, action=f"help_page.{action}", target=page, before=before, after=after
    )
    return page


@transaction.atomic
def help_page_publish(*, acting_user, page: HelpPage) -> HelpPage:
    """Publish a draft or unpublished help page now: the public sees it."""
    return _transition(acting_user, page, "publish")


@transaction.atomic
def help_page_unpublish(*, acting_user, page: HelpPage) -> HelpPage:
    """Take a published help page off the public pages; it may be edited and published again."""
    return _transition(acting_user, page, "unpublish")
