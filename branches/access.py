"""Loading objects of the service network for a user. Every view goes through these helpers.

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. Branch staff act within the branches
they are posted to; the owner of a learning account sees it.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import LearnerAccount
from accounts.roles import BRANCH_MANAGER, BRANCH_STAFF, CENTRE_ADMIN, has_role

from .models import (
    AllianceMembership,
    Announcement,
    BranchCentre,
    HelpPage,
    ServicePoint,
    StaffAssignment,
)


def staff_branch_ids(user) -> frozenset[int]:
    """The branch centres ``user`` is posted to (once per request)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cb_branch_ids", None)
    if cached is None:
        cached = frozenset(
            StaffAssignment.objects.filter(user=user).values_list("branch_id", flat=True)
        )
        user._cb_branch_ids = cached
    return cached


def learner_accounts_for(user):
    """The learning accounts branch staff may work on: those homed at their branches."""
    return LearnerAccount.objects.filter(home__branch_id__in=staff_branch_ids(user))


def learner_account_for(user, account_id, *, write: bool = False) -> LearnerAccount:
    """A learning account for branch staff of its home branch (read and write) or its owner
    (read only: a write is 403). Anyone else gets 404."""
    account = get_object_or_404(
        LearnerAccount.objects.select_related("user", "home__branch", "home__service_point"),
        pk=account_id,
    )
    home = getattr(account, "home", None)
    if home is not None and home.branch_id in staff_branch_ids(user):
        return account
    if account.user_id == user.pk:
        if write:
            raise PermissionDenied
        return account
    raise Http404


# --- The network: branch centres, service points, staff postings, memberships, announcements ---
#
# The centre administrator runs the whole network (read and write). Branch staff read their own
# branches and service points; a branch manager also edits the service points of their branch
# and reads its staff postings. An institution's staff read their own alliance membership.
# Published announcements are public; drafts and unpublished ones exist only for the centre.

NETWORK_ROLES = (CENTRE_ADMIN, BRANCH_MANAGER, BRANCH_STAFF)


def is_centre_admin(user) -> bool:
    return user.is_authenticated and has_role(user, CENTRE_ADMIN)


def managed_branch_ids(user) -> frozenset[int]:
    """The branch centres ``user`` is posted to as branch manager (once per request)."""
    if not user.is_authenticated:
        return frozenset()
    cached = getattr(user, "_cb_managed_branch_ids", None)
    if cached is None:
        cached = frozenset(
            StaffAssignment.objects.filter(
                user=user, role=StaffAssignment.Role.MANAGER
            ).values_list("branch_id", flat=True)
        )
        user._cb_managed_branch_ids = cached
    return cached


def branches_for(user):
    """Branch centres on the management pages: all for the centre, one's own for branch staff."""
    branches = BranchCentre.objects.select_related("district")
    if is_centre_admin(user):
        return branches
    return branches.filter(pk__in=staff_branch_ids(user))


def branch_for(user, pk, *, write: bool = False) -> BranchCentre:
    """A branch centre for the centre administrator (read and write) or its own staff (read
    only: a write is 403). Anyone else gets 404."""
    branch = get_object_or_404(BranchCentre.objects.select_related("centre", "district"), pk=pk)
    if is_centre_admin(user):
        return branch
    if branch.pk in staff_branch_ids(user):
        if write:
            raise PermissionDenied
        return branch
    raise Http404


def service_points_for(user):
    """Service points on the management pages: all for the centre, their branch's for staff."""
    points = ServicePoint.objects.select_related("branch", "district", "host_institution")
    if is_centre_admin(user):
        return points
    return points.filter(branch_id__in=staff_branch_ids(user))


def service_point_for(user, pk, *, write: bool = False) -> ServicePoint:
    """A service point for the centre administrator and the managers of its branch (read and
    write) or the other staff of its branch (read only: a write is 403). Anyone else — branch
    people of another branch included — gets 404."""
    point = get_object_or_404(
        ServicePoint.objects.select_related("branch", "district", "host_institution"), pk=pk
    )
    if is_centre_admin(user) or point.branch_id in managed_branch_ids(user):
        return point
    if point.branch_id in staff_branch_ids(user):
        if write:
            raise PermissionDenied
        return point
    raise Http404


def staff_assignments_for(user):
    """Staff postings: all for the centre, those of their own branches for branch managers."""
    assignments = StaffAssignment.objects.select_related(
        "user", "branch", "service_point"
    ).order_by("branch__name", "user__username", "role", "pk")
    if is_centre_admin(user):
        return assignments
    return assignments.filter(branch_id__in=managed_branch_ids(user))


def staff_assignment_for(user, pk, *, write: bool = False) -> StaffAssignment:
    """A staff posting for the centre administrator (read and write) or a manager of its
    branch (read only: a write is 403). Anyone else gets 404."""
    assignment = get_object_or_404(
        StaffAssignment.objects.select_related("user", "branch", "service_point"), pk=pk
    )
    if is_centre_admin(user):
        return assignment
    if assignment.branch_id in managed_branch_ids(user):
        if write:
            raise PermissionDenied
        return assignment
    raise Http404


def memberships_for(user):
    """Alliance memberships on the management list: the centre administrator's only."""
    memberships = AllianceMembership.objects.select_related("institution", "branch").order_by(
        "-joined_on", "institution__name", "pk"
    )
    return memberships if is_centre_admin(user) else memberships.none()


def membership_for(user, pk, *, write: bool = False) -> AllianceMembership:
    """A membership for the centre administrator (read and write), or, read only (a write is
    403), for the staff of the member institution and of the branch it joined under. Anyone
    else gets 404."""
    membership = get_object_or_404(
        AllianceMembership.objects.select_related("institution", "branch__district"), pk=pk
    )
    if is_centre_admin(user):
        return membership
    if user.is_authenticated and (
        membership.branch_id in staff_branch_ids(user)
        or membership.institution.staff.filter(user=user).exists()
    ):
        if write:
            raise PermissionDenied
        return membership
    raise Http404


def announcements_for(user):
    """Announcements on the management list: all for the centre, published ones for others."""
    if is_centre_admin(user):
        return Announcement.objects.select_related("created_by").order_by("-created_at", "-pk")
    return Announcement.objects.published()


def announcement_for(user, pk, *, write: bool = False) -> Announcement:
    """An announcement: the centre administrator reads and writes any; everyone, signed in or
    not, reads a published one (a write is 403); a draft or unpublished one is 404 to them."""
    announcement = get_object_or_404(Announcement.objects.select_related("created_by"), pk=pk)
    if is_centre_admin(user):
        return announcement
    if announcement.status == Announcement.Status.PUBLISHED:
        if write:
            raise PermissionDenied
        return announcement
    raise Http404


def help_pages_for(user):
    """Help pages on the management list: all for the centre, published ones for others."""
    if is_centre_admin(user):
        return HelpPage.objects.select_related("created_by").order_by("order", "pk")
    return HelpPage.objects.published()


def help_page_for(user, *, pk=None, slug=None, write: bool = False) -> HelpPage:
    """A help page by ``pk`` or ``slug``: the centre administrator reads and writes any;
    everyone, signed in or not, reads a published one (a write is 403); a draft or unpublished
    one is 404 to them, as one that does not exist."""
    lookup = {"pk": pk} if pk is not None else {"slug": slug}
    page = get_object_or_404(HelpPage.objects.select_related("created_by"), **lookup)
    if is_centre_admin(user):
        return page
    if page.status == HelpPage.Status.PUBLISHED:
        if write:
            raise PermissionDenied
        return page
    raise Http404
