"""Loading standards for a user. Every management view goes through these helpers.

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. Approved unit standards are public, but
the public reads them through the standards guidance pages (``public_unit_standard``), not here.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.models import InstitutionStaff
from accounts.roles import has_role
from branches.access import staff_branch_ids

from .models import Achievement, AchievementCategory, Evidence, QualificationLevel, UnitStandard

CENTRE_ADMIN = "centre_admin"
INSTITUTION_STAFF = ("institution_admin", "institution_clerk", "institution_reviewer")
STANDARD_WRITERS = (CENTRE_ADMIN, "institution_admin", "institution_clerk")


def is_centre_admin(user) -> bool:
    return user.is_authenticated and has_role(user, CENTRE_ADMIN)


def _staff_roles(user) -> dict[int, set[str]]:
    """{institution id: the user's roles there}, once per request."""
    if not user.is_authenticated:
        return {}
    cached = getattr(user, "_cb_institution_staff_roles", None)
    if cached is None:
        cached = {}
        for institution_id, role in InstitutionStaff.objects.filter(user=user).values_list(
            "institution_id", "role"
        ):
            cached.setdefault(institution_id, set()).add(role)
        user._cb_institution_staff_roles = cached
    return cached


def unit_standards_for(user):
    """The management list: every standard for a centre administrator; the standards of the
    institutions they work for for institution staff; nothing for anyone else."""
    standards = UnitStandard.objects.for_management()
    if is_centre_admin(user):
        return standards
    return standards.filter(issuing_institution_id__in=list(_staff_roles(user)))


def unit_standard_for(user, pk, *, write: bool = False) -> UnitStandard:
    """A unit standard, any status, for the people who manage it.

    The issuing institution's staff read it, and its administrators and clerks also write it.
    Centre administrators read every standard and write those the centre issues; their
    decisions go through views guarded by the ``centre_admin`` role. A reader asking with
    ``write=True`` gets 403; anyone else gets 404, as for a standard that does not exist.
    """
    standard = get_object_or_404(
        UnitStandard.objects.select_related(
            "level", "issuing_institution", "created_by", "decided_by", "previous_version"
        ),
        pk=pk,
    )
    if standard.issuing_institution_id is None:
        if is_centre_admin(user):
            return standard
        raise Http404
    roles = _staff_roles(user).get(standard.issuing_institution_id, set())
    if roles & {InstitutionStaff.Role.ADMIN, InstitutionStaff.Role.CLERK}:
        return standard
    if roles or is_centre_admin(user):
        if write:
            raise PermissionDenied
        return standard
    raise Http404


def public_unit_standard(pk) -> UnitStandard:
    """A unit standard as the public sees it: approved, or retired (still cited by the
    achievements recognised against it, and marked so); drafts and submitted ones are 404."""
    return get_object_or_404(
        UnitStandard.objects.select_related("level", "issuing_institution"),
        pk=pk,
        status__in=[UnitStandard.Status.APPROVED, UnitStandard.Status.RETIRED],
    )


def qualification_level_for(user, pk, *, write: bool = False) -> QualificationLevel:
    """A level: anyone reads one in use; a centre administrator reads and writes any. A level
    out of use is 404 to others; a write by anyone else is 403 (levels are public)."""
    level = get_object_or_404(QualificationLevel, pk=pk)
    if is_centre_admin(user):
        return level
    if not level.is_active:
        raise Http404
    if write:
        raise PermissionDenied
    return level


def achievement_category_for(user, pk, *, write: bool = False) -> AchievementCategory:
    """A category: the same rule as for levels."""
    category = get_object_or_404(AchievementCategory, pk=pk)
    if is_centre_admin(user):
        return category
    if not category.is_active:
        raise Http404
    if write:
        raise PermissionDenied
    return category


# --- Achievements and evidence ----------------------------------------------------------------


def _achievement_reader(user, achievement: Achievement, *, write: bool) -> Achievement:
    if user.is_authenticated and achievement.account.user_id == user.pk:
        return achievement
    home = getattr(achievement.account, "home", None)
    reads = (home is not None and home.branch_id in staff_branch_ids(user)) or (
        achievement.issuer_institution_id is not None
        and achievement.issuer_institution_id in _staff_roles(user)
    )
    if reads:
        if write:
            raise PermissionDenied
        return achievement
    raise Http404


def achievement_for(user, pk, *, write: bool = False) -> Achievement:
    """A learning achievement, any status.

    Its owner (the learner holding the account) reads and writes it — which writes the status
    allows is for the services to say. Branch staff of the account's home branch and any staff
    (administrator, clerk, reviewer) of the issuing institution read it; asking to write is 403.
    Anyone else gets 404, as for an achievement that does not exist.
    """
    achievement = get_object_or_404(
        Achievement.objects.select_related(
            "account__user", "account__home", "category", "issuer_institution", "deposited_by"
        ),
        pk=pk,
    )
    return _achievement_reader(user, achievement, write=write)


def evidence_for(user, pk, *, write: bool = False) -> Evidence:
    """An evidence file, for whoever may read (or write) its achievement."""
    evidence = get_object_or_404(
        Evidence.objects.select_related("achievement__account__user", "achievement__account__home"),
        pk=pk,
    )
    _achievement_reader(user, evidence.achievement, write=write)
    return evidence
