"""Reads about the service network that other apps and the public pages share.

Higher apps (achievements, conversion, quality) ask these rather than filtering the network's
tables themselves: e.g. conversion asks ``is_alliance_member`` before an institution may sign a
conversion rule.
"""

import re

from django.conf import settings
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Replace
from django.utils.translation import get_language

from accounts.models import Institution
from accounts.roles import BRANCH_MANAGER, BRANCH_STAFF

from .models import (
    AllianceMembership,
    Announcement,
    BranchCentre,
    HelpPage,
    ServicePoint,
    StaffAssignment,
)


def is_alliance_member(institution: Institution | None) -> bool:
    """True if ``institution`` holds an active alliance membership and is itself approved.

    A suspended institution (accounts) or a suspended or ended membership (branches) does not
    count, whichever happened first.
    """
    if institution is None or institution.pk is None:
        return False
    return AllianceMembership.objects.filter(
        institution_id=institution.pk,
        status=AllianceMembership.Status.ACTIVE,
        institution__status=Institution.Status.APPROVED,
    ).exists()


def alliance_member_ids(institution_ids) -> list[int]:
    """Of ``institution_ids``, those of approved institutions holding an active alliance
    membership (the same test as ``is_alliance_member``, for many institutions in one query)."""
    ids = list(institution_ids)
    if not ids:
        return []
    return list(
        AllianceMembership.objects.filter(
            institution_id__in=ids,
            status=AllianceMembership.Status.ACTIVE,
            institution__status=Institution.Status.APPROVED,
        ).values_list("institution_id", flat=True)
    )


def branch_staff_role(user, branch_id: int) -> tuple[str, str] | None:
    """The role ``user`` holds at branch centre ``branch_id``, named as ``accounts.roles`` names
    it (``branch_manager``, else ``branch_staff``: the manager's posting wins when they hold
    both), and the branch's name; ``None`` when they are not posted there."""
    posting = (
        StaffAssignment.objects.filter(user=user, branch_id=branch_id)
        .select_related("branch")
        .order_by("role")  # "manager" before "staff"
        .first()
    )
    if posting is None:
        return None
    role = BRANCH_MANAGER if posting.role == StaffAssignment.Role.MANAGER else BRANCH_STAFF
    return role, posting.branch.name


def public_members():
    """The member directory: active memberships of approved institutions, grouped by branch."""
    return (
        AllianceMembership.objects.filter(
            status=AllianceMembership.Status.ACTIVE,
            institution__status=Institution.Status.APPROVED,
        )
        .select_related("institution", "branch__district")
        .order_by("branch__district_id", "branch__name", "institution__name", "pk")
    )


def open_service_points():
    """The public finder: open service points with what a card shows."""
    return (
        ServicePoint.objects.filter(is_open=True)
        .select_related("district", "branch", "host_institution")
        .order_by("district_id", "name", "pk")
    )


def published_announcements():
    """What the public reads, newest first."""
    return Announcement.objects.published()


def published_help_pages():
    """The help pages the public reads, in the centre's order."""
    return HelpPage.objects.published()


def help_values() -> dict[str, str]:
    """What a help page's placeholders (``{appeal_days}``, …) stand for: the numbers and
    addresses this deployment's settings decide."""
    english = (get_language() or "").startswith("en")
    return {
        "city": settings.CREDITBANK_CITY_NAME_EN if english else settings.CREDITBANK_CITY_NAME,
        "address": settings.CREDITBANK_CENTRE_ADDRESS,
        "hotline": settings.CREDITBANK_CENTRE_HOTLINE,
        "email": settings.CREDITBANK_CENTRE_EMAIL,
        "verification_working_days": str(
            getattr(settings, "CREDITBANK_VERIFICATION_DUE_WORKING_DAYS", 5)
        ),
        "review_working_days": str(settings.CREDITBANK_REVIEW_DUE_WORKING_DAYS),
        "appeal_days": str(settings.CREDITBANK_APPEAL_DAYS),
        "review_threshold": f"{settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD.normalize():f}",
        "max_file_mb": str(settings.CREDITBANK_EVIDENCE_MAX_FILE // (1024 * 1024)),
        "max_total_mb": str(settings.CREDITBANK_EVIDENCE_MAX_TOTAL // (1024 * 1024)),
    }


_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def help_page_text(text: str) -> str:
    """``text`` with its known placeholders filled in; anything else in braces stays as typed."""
    values = help_values()
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def help_pages_containing(text: str):
    """Published help pages whose title, summary or text as shown (placeholders filled in)
    contains ``text``: "14 日" finds ``{appeal_days} 日``, and "days" does not find the
    placeholder's name."""
    shown = F("body")
    for name, value in help_values().items():
        shown = Replace(shown, Value("{" + name + "}"), Value(value), output_field=TextField())
    return (
        published_help_pages()
        .alias(shown_body=shown)
        .filter(
            Q(title__icontains=text) | Q(summary__icontains=text) | Q(shown_body__icontains=text)
        )
    )


def contact_branches():
    """The branch centres on the contact page, with their district."""
    return BranchCentre.objects.select_related("district").order_by("district_id", "name", "pk")
