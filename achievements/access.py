"""Who may see and who may act: loading standards and achievements for a user, and the
``*_actions()`` helpers that say which steps a user may take now. Every view goes through these
helpers, and the services ask them too (services call access, never the reverse).

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. Approved unit standards are public, but
the public reads them through the standards guidance pages (``public_unit_standard``), not here.
Branch data is read through ``branches.selectors``.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.access import institution_roles
from accounts.models import Institution, InstitutionStaff, LearnerAccount
from accounts.roles import (
    BRANCH_MANAGER,
    BRANCH_STAFF,
    CENTRE_ADMIN,
    EXPERT,
    INSTITUTION_ADMIN,
    INSTITUTION_CLERK,
    INSTITUTION_REVIEWER,
    INSTITUTION_ROLES,
    LEARNER,
    QUALITY_AUDITOR,
    has_role,
)
from branches.access import staff_branch_ids
from branches.selectors import alliance_member_ids, branch_staff_role, is_alliance_member

from .models import (
    ACHIEVEMENT_TRANSITIONS,
    Achievement,
    AchievementCategory,
    AchievementEvent,
    DocumentShare,
    Evidence,
    ImportBatch,
    InquiryConsent,
    ProofDocument,
    QualificationLevel,
    Recognition,
    RecognitionMandate,
    UnitStandard,
)

INSTITUTION_STAFF = INSTITUTION_ROLES
STANDARD_WRITERS = (CENTRE_ADMIN, INSTITUTION_ADMIN, INSTITUTION_CLERK)
STANDARD_WRITER_ROLES = frozenset({InstitutionStaff.Role.ADMIN, InstitutionStaff.Role.CLERK})


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


def writable_institutions(user):
    """The approved institutions whose unit standards ``user`` may draft (administrator or
    clerk there)."""
    if not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    return Institution.objects.filter(
        status=Institution.Status.APPROVED,
        staff__user=user,
        staff__role__in=STANDARD_WRITER_ROLES,
    ).distinct()


def can_write(user, standard: UnitStandard) -> bool:
    """True if ``user`` writes standards of ``standard``'s issuer: its administrators and
    clerks, or centre administrators for the centre's own. (The institution need not be approved
    for this answer; the services check that separately.)"""
    if not getattr(user, "is_authenticated", False):
        return False
    if standard.issuing_institution_id is None:
        return has_role(user, CENTRE_ADMIN)
    return InstitutionStaff.objects.filter(
        institution_id=standard.issuing_institution_id,
        user=user,
        role__in=STANDARD_WRITER_ROLES,
    ).exists()


def is_author(user, standard: UnitStandard) -> bool:
    """True if ``user`` wrote a version of ``standard`` (then they may not decide on it)."""
    return standard.authors.filter(pk=user.pk).exists()


def open_version_exists(code: str) -> bool:
    """True while a draft or submitted version of the standard ``code`` exists."""
    return UnitStandard.objects.filter(
        code=code, status__in=[UnitStandard.Status.DRAFT, UnitStandard.Status.SUBMITTED]
    ).exists()


def unit_standard_actions(user, standard: UnitStandard) -> list[str]:
    """The actions open to ``user`` on ``standard`` now, for the pages' buttons.

    Its writers (``can_write``) ``edit`` a draft or an approved standard (editing an approved
    one makes the next version), ``submit`` a draft, and start a ``new_version`` of an approved
    one unless a newer draft or submitted version exists. Centre administrators ``approve`` or
    ``reject`` a submitted standard and ``retire`` an approved one; that they are not its
    authors (maker-checker) the decision page and the service check. Nobody else gets any.
    """
    status = standard.status
    actions = []
    if can_write(user, standard):
        if status in (UnitStandard.Status.DRAFT, UnitStandard.Status.APPROVED):
            actions.append("edit")
        if status == UnitStandard.Status.DRAFT:
            actions.append("submit")
        if status == UnitStandard.Status.APPROVED and not open_version_exists(standard.code):
            actions.append("new_version")
    if has_role(user, CENTRE_ADMIN):
        if status == UnitStandard.Status.SUBMITTED:
            actions += ["approve", "reject"]
        if status == UnitStandard.Status.APPROVED:
            actions.append("retire")
    return actions


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


# Higher apps that give staff a reason of their own to read an achievement register a check
# here at start-up, ``(user, achievement) -> bool`` (conversion: the staff an application using
# it is addressed to); a lower app asks them, it never imports them. Asked last, only when none
# of the rules below lets the person read it.
staff_reader_checks: list[Callable] = []


def _reads_as_staff(user, achievement: Achievement) -> bool:
    if not user.is_authenticated:
        return False
    branches = staff_branch_ids(user)
    home = getattr(achievement.account, "home", None)
    if (home is not None and home.branch_id in branches) or (
        achievement.first_check_branch_id in branches
    ):
        return True
    if (
        achievement.issuer_institution_id is not None
        and achievement.issuer_institution_id in institution_roles(user)
    ):
        return True
    if achievement.status in EXPERT_STATUSES and has_role(user, EXPERT):
        return True
    if achievement.status in CENTRE_STATUSES and has_role(user, CENTRE_ADMIN):
        return True
    return any(check(user, achievement) for check in staff_reader_checks)


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
    branch of its first check) and any staff (administrator, clerk, reviewer) of the issuing
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


def clerk_institutions(user):
    """The approved institutions where ``user`` is a clerk: those they may deposit for."""
    if not getattr(user, "is_authenticated", False):
        return Institution.objects.none()
    return Institution.objects.filter(
        status=Institution.Status.APPROVED,
        staff__user=user,
        staff__role=InstitutionStaff.Role.CLERK,
    ).distinct()


# --- Who may take which step of the review ----------------------------------------------------
# The steps and their names: the glossary in ``achievements.models.recognition``.

Status = Achievement.Status


LEARNER_ACTIONS = frozenset({"submit", "resubmit", "appeal"})
FIRST_CHECK_ACTIONS = frozenset({"forward", "return"})
DECISION_ACTIONS = frozenset({"recognise", "reject"})
RE_REVIEW_ACTIONS = frozenset({"confirm", "send_back"})
STAFF_ACTIONS = FIRST_CHECK_ACTIONS | DECISION_ACTIONS | RE_REVIEW_ACTIONS | {"revoke"}
# The steps that make someone a participant in the review (they may not decide an appeal).
REVIEW_STEPS = ("return", "forward", "recognise", "reject", "confirm", "send_back")


@dataclass(frozen=True)
class Capacity:
    """The role someone acts in (a role name of ``accounts.roles``) and the unit they act for."""

    role: str
    unit: str = ""


def _member_institution_roles(user, institution: Institution | None) -> set[str]:
    """The user's roles at ``institution`` if it is approved and an active alliance member."""
    if institution is None or institution.status != Institution.Status.APPROVED:
        return set()
    roles = institution_roles(user).get(institution.pk, set())
    if not roles:
        return roles
    # Asked once per institution and user object (i.e. per request): a page asks for every
    # line or item of the same institution.
    members = getattr(user, "_cb_alliance_member", None)
    if members is None:
        members = user._cb_alliance_member = {}
    if institution.pk not in members:
        members[institution.pk] = is_alliance_member(institution)
    return roles if members[institution.pk] else set()


def _branch_capacity(user, achievement: Achievement) -> Capacity | None:
    branch_id = achievement.first_check_branch_id
    if branch_id is None or branch_id not in staff_branch_ids(user):
        return None
    found = branch_staff_role(user, branch_id)
    return Capacity(*found) if found is not None else None


def participants(achievement: Achievement) -> set[int]:
    """Everyone who took a review step on the achievement so far."""
    return set(
        achievement.events.filter(action__in=REVIEW_STEPS, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )


def pending_decision(achievement: Achievement) -> Recognition | None:
    """The decision waiting for the centre's re-review, if any."""
    return achievement.decisions.filter(status=Recognition.Status.PENDING).last()


def capacity(user, achievement: Achievement, action: str) -> Capacity | None:
    """The capacity in which ``user`` may take ``action`` on ``achievement`` — whatever its
    status — or ``None`` when they may not.

    The learner holding it submits, answers a return and appeals. The first check: staff of the
    branch that received it, else a clerk of the issuing institution while it is an approved,
    active alliance member. The decision: a reviewer of that member institution, else an expert;
    on appeal only an expert who took no part so far. Re-review and revocation: a centre
    administrator, never the one who made the pending decision (maker-checker). Nobody acts as
    staff on an achievement of their own. The services check this again under the row lock.
    """
    if not getattr(user, "is_authenticated", False):
        return None
    owner = achievement.account.user_id == user.pk
    if action in LEARNER_ACTIONS:
        return Capacity(LEARNER) if owner else None
    if owner or action not in STAFF_ACTIONS:
        return None
    institution = achievement.issuer_institution
    if action in FIRST_CHECK_ACTIONS:
        found = _branch_capacity(user, achievement)
        if found is None and InstitutionStaff.Role.CLERK in _member_institution_roles(
            user, institution
        ):
            found = Capacity(INSTITUTION_CLERK, institution.name)
        return found
    if action in DECISION_ACTIONS:
        if achievement.status == Status.APPEALED:
            if has_role(user, EXPERT) and user.pk not in participants(achievement):
                return Capacity(EXPERT)
            return None
        if InstitutionStaff.Role.REVIEWER in _member_institution_roles(user, institution):
            return Capacity(INSTITUTION_REVIEWER, institution.name)
        return Capacity(EXPERT) if has_role(user, EXPERT) else None
    if not has_role(user, CENTRE_ADMIN):
        return None
    if action in RE_REVIEW_ACTIONS:
        decision = pending_decision(achievement)
        if decision is not None and decision.decided_by_id == user.pk:
            return None  # maker-checker: never the person who decided
    return Capacity(CENTRE_ADMIN)


def appeal_deadline(achievement: Achievement) -> date | None:
    """The last day to appeal a rejection, or ``None`` when it cannot be appealed (not
    rejected, or already decided on appeal)."""
    if achievement.status != Status.REJECTED:
        return None
    decision = achievement.decisions.order_by("-decided_at", "-pk").first()
    if decision is None or decision.stage == Recognition.Stage.APPEAL:
        return None
    rejected_on = timezone.localdate(achievement.status_changed_at)
    return rejected_on + timedelta(days=settings.CREDITBANK_APPEAL_DAYS)


def allowed_actions(user, achievement: Achievement) -> set[str]:
    """The steps ``user`` may take on ``achievement`` now, for the pages' buttons: those its
    status allows (``ACHIEVEMENT_TRANSITIONS``) and ``capacity`` grants. An appeal is open only
    until ``appeal_deadline`` has passed (and never against a decision made on appeal)."""
    allowed = {
        action
        for action in LEARNER_ACTIONS | STAFF_ACTIONS
        if achievement.status in ACHIEVEMENT_TRANSITIONS[action][0]
        and capacity(user, achievement, action) is not None
    }
    if "appeal" in allowed:
        deadline = appeal_deadline(achievement)
        if deadline is not None and deadline < timezone.localdate():
            allowed.discard("appeal")
    return allowed


# --- The review: the staff's page of one achievement, and the queues --------------------------


def achievement_for_review(user, pk, *, action: str | None = None) -> Achievement:
    """An achievement on the staff's review page, for everyone who reads it as staff (see
    ``achievement_for``); its owner uses their own page and gets 403 here, anyone else 404.
    With ``action``, someone who may read it but not take that step in any capacity — the
    maker of a decision asked to re-review it, say — gets 403. Whether the status allows the
    step is for the service to say."""
    achievement = get_object_or_404(
        Achievement.objects.select_related(
            "account__user",
            "account__home__branch",
            "category",
            "issuer_institution",
            "deposited_by",
            "first_check_branch",
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
    """Institutions where ``user`` holds ``role`` that are approved, active alliance members
    (read once per user object, i.e. per request: the desk asks for each queue)."""
    found = getattr(user, "_cb_member_institution_ids", None)
    if found is None:
        found = user._cb_member_institution_ids = {}
    if role not in found:
        found[role] = alliance_member_ids(
            pk for pk, roles in institution_roles(user).items() if role in roles
        )
    return found[role]


# queue → (the status it holds, the roles that open it). A queue is named by its step; its
# address keeps the older slug (``views.review.QUEUE_SLUGS``).
REVIEW_QUEUES = {
    "first_check": (
        Achievement.Status.UNDER_REVIEW,
        (BRANCH_STAFF, BRANCH_MANAGER, INSTITUTION_CLERK),
    ),
    "decision": (Achievement.Status.FORWARDED, (INSTITUTION_REVIEWER, EXPERT)),
    "re_review": (Achievement.Status.CONFIRMING, (CENTRE_ADMIN,)),
    "appeals": (Achievement.Status.APPEALED, (EXPERT,)),
}


def review_queue_for(user, queue: str):
    """What waits for ``user`` in ``queue``, the longest-waiting first: the first check for
    the staff of the branch that received it and the clerks of the issuing member institution;
    decisions for experts (all) and for the reviewers of the issuing member institution;
    re-reviews for centre administrators; appeals for experts."""
    status, _roles = REVIEW_QUEUES[queue]
    # Nobody reviews their own achievement. (A subquery, not a join: the queue is then counted
    # from its index alone.)
    own = LearnerAccount.objects.filter(user=user).values("pk")
    achievements = Achievement.objects.waiting(status).exclude(account__in=own)
    if queue == "first_check":
        scope = Q(first_check_branch_id__in=staff_branch_ids(user)) | Q(
            issuer_institution_id__in=_member_institution_ids(user, InstitutionStaff.Role.CLERK)
        )
        return achievements.filter(scope)
    if queue == "decision":
        if has_role(user, EXPERT):
            return achievements
        return achievements.filter(
            issuer_institution_id__in=_member_institution_ids(user, InstitutionStaff.Role.REVIEWER)
        )
    if queue == "re_review":
        if not is_centre_admin(user):
            return achievements.none()
        # Maker-checker: never the decisions the user made.
        own = Recognition.objects.filter(
            achievement=OuterRef("pk"), status=Recognition.Status.PENDING, decided_by=user
        )
        return achievements.exclude(Exists(own))
    if not has_role(user, EXPERT):
        return achievements.none()
    # An appeal goes to an expert who took no part in the review so far.
    took_part = AchievementEvent.objects.filter(
        achievement=OuterRef("pk"), action__in=REVIEW_STEPS, actor=user
    )
    return achievements.exclude(Exists(took_part))


# --- Proof: documents, share links, consent codes -----------------------------------------------
# The learner owns their documents (read and write). The centre's administrators read every
# document and revoke or suspend them; quality auditors read them (the management pages), and may
# not act. Everyone else gets 404, as for a document that does not exist. The public reaches a
# document only through its verification code or a share link (achievements.views.verify).

DOCUMENT_READERS = (CENTRE_ADMIN, QUALITY_AUDITOR)


def can_manage_documents(user) -> bool:
    """Revoke, suspend and reinstate documents: the centre's administrators."""
    return is_centre_admin(user)


def can_read_documents(user) -> bool:
    return user.is_authenticated and any(has_role(user, role) for role in DOCUMENT_READERS)


def documents_of(user):
    """The signed-in learner's own documents, newest first."""
    return (
        ProofDocument.objects.filter(account__user=user)
        if user.is_authenticated
        else (ProofDocument.objects.none())
    )


def document_for(user, pk, *, write: bool = False) -> ProofDocument:
    """A document for its learner (read and write), or for the centre's readers (read; asking
    to write is 403). 404 for anyone else."""
    document = get_object_or_404(
        ProofDocument.objects.select_related("account__user", "requested_by", "revoked_by"), pk=pk
    )
    if user.is_authenticated and document.account.user_id == user.pk:
        return document
    if can_read_documents(user):
        if write and not can_manage_documents(user):
            raise PermissionDenied
        return document
    raise Http404


def own_document_for(user, pk) -> ProofDocument:
    """A document of the signed-in learner's own (the learner's pages); 404 otherwise, for
    the centre's readers too (they use the management pages)."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        ProofDocument.objects.select_related("account__user"), pk=pk, account__user_id=user.pk
    )


def share_for(user, pk) -> DocumentShare:
    """A share link of the signed-in learner's own documents; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        DocumentShare.objects.select_related("document__account"),
        pk=pk,
        document__account__user_id=user.pk,
    )


def consent_for(user, pk) -> InquiryConsent:
    """A consent code the signed-in learner made; 404 otherwise."""
    if not user.is_authenticated:
        raise Http404
    return get_object_or_404(
        InquiryConsent.objects.select_related("account"), pk=pk, account__user_id=user.pk
    )


# --- Result batches (批量认定) and the centre's mandates ----------------------------------------
# A batch is sent by a clerk of an approved member institution (services.batch checks it again)
# and read by that institution's clerks and administrators, and by the centre's administrators
# and quality auditors. Mandates are granted and ended by centre administrators.

BATCH_READERS = (CENTRE_ADMIN, QUALITY_AUDITOR)


def batch_sender_institutions(user) -> list[Institution]:
    """The institutions ``user`` may send result batches for: approved alliance members where
    they are a clerk."""
    clerk_of = list(clerk_institutions(user))
    members = set(alliance_member_ids(i.pk for i in clerk_of))
    return [i for i in clerk_of if i.pk in members]


def sender_mandates(institutions) -> list[RecognitionMandate]:
    """The mandates in force for ``institutions`` (a sender's, from
    ``batch_sender_institutions``): what their batches recognise directly. One query."""
    return list(
        RecognitionMandate.objects.filter(institution__in=institutions, ended_at__isnull=True)
        .select_related("institution", "category", "level")
        .order_by("institution__name", "category__ordering", "category__code")
    )


def _batch_institution_ids(user) -> list[int]:
    """The institutions whose batches ``user`` reads as their staff (clerk or administrator)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        InstitutionStaff.objects.filter(
            user=user,
            role__in=[InstitutionStaff.Role.CLERK, InstitutionStaff.Role.ADMIN],
            institution__status=Institution.Status.APPROVED,
        ).values_list("institution_id", flat=True)
    )


def can_read_all_batches(user) -> bool:
    return getattr(user, "is_authenticated", False) and any(
        has_role(user, role) for role in BATCH_READERS
    )


def batches_for(user):
    """The batches ``user`` may read, newest first: their institutions' (clerks and
    administrators), or all for the centre's readers."""
    batches = ImportBatch.objects.select_related("institution", "category", "created_by")
    if can_read_all_batches(user):
        return batches.order_by("-created_at", "-pk")
    return batches.filter(institution_id__in=_batch_institution_ids(user)).order_by(
        "-created_at", "-pk"
    )


def batch_for(user, pk, *, write: bool = False) -> ImportBatch:
    """One batch for a reader of ``batches_for``; 404 for anyone else. Writing (there is
    nothing to write on a batch but its download of refused rows, a read) is for a clerk of its
    institution: 403 for its other readers."""
    batch = get_object_or_404(batches_for(user).select_related("mandate__level"), pk=pk)
    if write and batch.institution_id not in {i.pk for i in batch_sender_institutions(user)}:
        raise PermissionDenied
    return batch


def can_manage_mandates(user) -> bool:
    return is_centre_admin(user)


def mandates_for(user):
    """Every mandate, active ones first, for the centre's administrators; none for others."""
    if not can_manage_mandates(user):
        return RecognitionMandate.objects.none()
    return RecognitionMandate.objects.select_related(
        "institution", "category", "level", "granted_by", "ended_by"
    ).order_by(F("ended_at").desc(nulls_first=True), "institution__name", "category__ordering")


def mandate_for(user, pk, *, write: bool = False) -> RecognitionMandate:
    """A mandate for a centre administrator; 404 for anyone else."""
    return get_object_or_404(mandates_for(user), pk=pk)
