"""Loading standards for a user. Every management view goes through these helpers.

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. Approved unit standards are public, but
the public reads them through the standards guidance pages (``public_unit_standard``), not here.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts.access import institution_roles
from accounts.models import InstitutionStaff, LearnerAccount
from accounts.roles import has_role
from branches.access import staff_branch_ids

from .models import (
    Achievement,
    AchievementCategory,
    AchievementEvent,
    Evidence,
    QualificationLevel,
    Recognition,
    UnitStandard,
)

CENTRE_ADMIN = "centre_admin"
INSTITUTION_STAFF = ("institution_admin", "institution_clerk", "institution_reviewer")
STANDARD_WRITERS = (CENTRE_ADMIN, "institution_admin", "institution_clerk")


def is_centre_admin(user) -> bool:
    return user.is_authenticated and has_role(user, CENTRE_ADMIN)


def unit_standards_for(user):
    """The management list: every standard for a centre administrator; the standards of the
    institutions they work for for institution staff; nothing for anyone else."""
    standards = UnitStandard.objects.for_management()
    if is_centre_admin(user):
        return standards
    return standards.filter(issuing_institution_id__in=list(institution_roles(user)))


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
    roles = institution_roles(user).get(standard.issuing_institution_id, set())
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


# Once past the first check an achievement is before experts (who decide and hear appeals);
# once submitted, before the centre (re-review, revocation).
EXPERT_STATUSES = frozenset(
    {
        Achievement.Status.FORWARDED,
        Achievement.Status.CONFIRMING,
        Achievement.Status.RECOGNISED,
        Achievement.Status.REJECTED,
        Achievement.Status.APPEALED,
        Achievement.Status.REVOKED,
        Achievement.Status.EXPIRED,
    }
)
CENTRE_STATUSES = EXPERT_STATUSES | {Achievement.Status.UNDER_REVIEW, Achievement.Status.RETURNED}


def _reads_as_staff(user, achievement: Achievement) -> bool:
    if not user.is_authenticated:
        return False
    branches = staff_branch_ids(user)
    home = getattr(achievement.account, "home", None)
    if (home is not None and home.branch_id in branches) or (
        achievement.review_branch_id in branches
    ):
        return True
    if (
        achievement.issuer_institution_id is not None
        and achievement.issuer_institution_id in institution_roles(user)
    ):
        return True
    if achievement.status in EXPERT_STATUSES and has_role(user, "expert"):
        return True
    return achievement.status in CENTRE_STATUSES and has_role(user, CENTRE_ADMIN)


def _achievement_reader(user, achievement: Achievement, *, write: bool) -> Achievement:
    if user.is_authenticated and achievement.account.user_id == user.pk:
        return achievement
    if _reads_as_staff(user, achievement):
        if write:
            raise PermissionDenied
        return achievement
    raise Http404


def achievement_for(user, pk, *, write: bool = False) -> Achievement:
    """A learning achievement, any status.

    Its owner (the learner holding the account) reads and writes it — which writes the status
    allows is for the services to say. Branch staff of the account's home branch (or of the
    branch that checks it) and any staff (administrator, clerk, reviewer) of the issuing
    institution read it; so do experts once it passed the first check, and centre
    administrators once it was submitted. Asking to write is 403 for them. Anyone else gets
    404, as for an achievement that does not exist.
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


# --- Review (认定): the staff's page of one achievement, and the queues ----------------------


def achievement_for_review(user, pk, *, action: str | None = None) -> Achievement:
    """An achievement on the staff's review page, for everyone who reads it as staff (see
    ``achievement_for``); its owner uses their own page and gets 403 here, anyone else 404.
    With ``action``, someone who may read it but not take that step in any capacity — the
    maker of a decision asked to re-review it, say — gets 403. Whether the status allows the
    step is for the service to say."""
    from .services.review import capacity

    achievement = get_object_or_404(
        Achievement.objects.select_related(
            "account__user",
            "account__home__branch",
            "category",
            "issuer_institution",
            "deposited_by",
            "review_branch",
            "recognition__level",
            "recognition__unit_standard",
        ),
        pk=pk,
    )
    if not _reads_as_staff(user, achievement):
        if user.is_authenticated and achievement.account.user_id == user.pk:
            raise PermissionDenied
        raise Http404
    if action is not None and capacity(user, achievement, action) is None:
        raise PermissionDenied
    return achievement


def _member_institution_ids(user, role: str) -> list[int]:
    """Institutions where ``user`` holds ``role`` that are approved, active alliance members."""
    from branches.models import AllianceMembership

    ids = [pk for pk, roles in institution_roles(user).items() if role in roles]
    if not ids:
        return []
    return list(
        AllianceMembership.objects.filter(
            institution_id__in=ids,
            institution__status="approved",
            status=AllianceMembership.Status.ACTIVE,
        ).values_list("institution_id", flat=True)
    )


# queue → (the status it holds, the roles that open it)
REVIEW_QUEUES = {
    "check": (
        Achievement.Status.UNDER_REVIEW,
        ("branch_staff", "branch_manager", "institution_clerk"),
    ),
    "decide": (Achievement.Status.FORWARDED, ("institution_reviewer", "expert")),
    "confirm": (Achievement.Status.CONFIRMING, (CENTRE_ADMIN,)),
    "appeals": (Achievement.Status.APPEALED, ("expert",)),
}


def review_queue_for(user, queue: str):
    """What waits for ``user`` in ``queue``, the longest-waiting first: the first check for
    the staff of the branch that received it and the clerks of the issuing member institution;
    decisions for experts (all) and for the reviewers of the issuing member institution;
    re-reviews for centre administrators; appeals for experts."""
    from .services.review import REVIEW_STEPS

    status, _roles = REVIEW_QUEUES[queue]
    # Nobody reviews their own achievement. (A subquery, not a join: the queue is then counted
    # from its index alone.)
    own = LearnerAccount.objects.filter(user=user).values("pk")
    achievements = Achievement.objects.waiting(status).exclude(account__in=own)
    if queue == "check":
        scope = Q(review_branch_id__in=staff_branch_ids(user)) | Q(
            issuer_institution_id__in=_member_institution_ids(user, InstitutionStaff.Role.CLERK)
        )
        return achievements.filter(scope)
    if queue == "decide":
        if has_role(user, "expert"):
            return achievements
        return achievements.filter(
            issuer_institution_id__in=_member_institution_ids(user, InstitutionStaff.Role.REVIEWER)
        )
    if queue == "confirm":
        if not is_centre_admin(user):
            return achievements.none()
        # Maker-checker: never the decisions the user made.
        own = Recognition.objects.filter(
            achievement=OuterRef("pk"), status=Recognition.Status.PENDING, decided_by=user
        )
        return achievements.exclude(Exists(own))
    if not has_role(user, "expert"):
        return achievements.none()
    # An appeal goes to an expert who took no part in the review so far.
    took_part = AchievementEvent.objects.filter(
        achievement=OuterRef("pk"), action__in=REVIEW_STEPS, actor=user
    )
    return achievements.exclude(Exists(took_part))
