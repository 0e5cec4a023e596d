"""Reads about the service network that other apps and the public pages share.

Higher apps (achievements, conversion, quality) ask these rather than filtering the network's
tables themselves: e.g. conversion asks ``is_alliance_member`` before an institution may sign a
conversion rule.
"""

from accounts.models import Institution
from accounts.roles import BRANCH_MANAGER, BRANCH_STAFF

from .models import AllianceMembership, Announcement, ServicePoint, StaffAssignment


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
