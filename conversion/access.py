"""Who may see and who may act in conversion: loading programmes, courses and rule versions for
a user, and the ``*_actions()`` helpers the pages and services share.

Contract (as in STYLE.md): an object the user may not even know of is a 404; one they may see
but not change, asked for with ``write=True``, is a 403. The public reads courses and published
rules through ``public_course`` / ``public_rule_version``, never through the staff helpers.

Who is who here:
- an institution's administrators and clerks (*writers*) keep its programmes, courses and rules,
  while the institution is approved; its reviewers read them;
- centre administrators read every programme, course and rule version, assign expert panels,
  approve (never a version they wrote, nor one of an institution they work for) and publish;
- an expert reads a rule version only while they are on its panel (a django-guardian object
  permission ``conversion.review_ruleversion`` on the version) or after they gave an opinion.
"""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_perms

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
    LEARNER,
    has_role,
)
from achievements.access import (
    STANDARD_WRITER_ROLES,
    Capacity,
    _member_institution_ids,
    _member_institution_roles,
    is_centre_admin,
    writable_institutions,
)
from branches.access import staff_branch_ids
from branches.selectors import branch_staff_role
from creditbank.workdays import add_working_days

from .models import (
    ApplicationEvent,
    ApplicationLine,
    Certificate,
    ConversionApplication,
    Course,
    Programme,
    RuleOpinion,
    RuleVersion,
    SelfStudySubject,
)

# The same people write an institution's unit standards and its programmes, courses and rules.
WRITER_ROLES = STANDARD_WRITER_ROLES
REVIEW_PERMISSION = "review_ruleversion"
PUBLIC_RULE_STATUSES = (RuleVersion.Status.PUBLISHED, RuleVersion.Status.RETIRED)


def _reference_for(model, user, pk, *, write: bool):
    """A certificate or self-study subject: anyone reads one in use; a centre administrator
    reads and writes any. One out of use is 404 to others; a write by anyone else is 403 (the
    lists are public)."""
    item = get_object_or_404(model, pk=pk)
    if is_centre_admin(user):
        return item
    if not item.is_active:
        raise Http404
    if write:
        raise PermissionDenied
    return item


def certificate_for(user, pk, *, write: bool = False) -> Certificate:
    return _reference_for(Certificate, user, pk, write=write)


def self_study_subject_for(user, pk, *, write: bool = False) -> SelfStudySubject:
    return _reference_for(SelfStudySubject, user, pk, write=write)


def is_expert(user) -> bool:
    return user.is_authenticated and has_role(user, EXPERT)


def writer_institutions(user):
    """The approved institutions whose programmes, courses and rules ``user`` may write
    (administrator or clerk there): those whose unit standards they write."""
    return writable_institutions(user)


def staff_institution_ids(user) -> set[int]:
    """The institutions ``user`` works for, in any role."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(institution_roles(user))


def _institution_reader(user, institution_id: int, *, write: bool) -> None:
    """Raise unless ``user`` may read (``write``: and write) what ``institution_id`` keeps."""
    roles = institution_roles(user).get(institution_id, set()) if user.is_authenticated else set()
    if roles & WRITER_ROLES:
        return
    if roles or is_centre_admin(user):
        if write:
            raise PermissionDenied
        return
    raise Http404


def caps_institution_for(user, pk, *, write: bool = False) -> Institution:
    """An institution whose general conversion caps (``ConversionPolicy``) ``user`` reads: its
    staff and centre administrators; its administrators and clerks write. 404 for anyone
    else."""
    institution = get_object_or_404(
        Institution.objects.select_related("conversion_policy"),
        pk=pk,
        status=Institution.Status.APPROVED,
    )
    _institution_reader(user, institution.pk, write=write)
    return institution


def programme_for(user, pk, *, write: bool = False) -> Programme:
    """A programme, for its institution's staff (writers write) and centre administrators
    (read only); 404 for anyone else."""
    programme = get_object_or_404(Programme.objects.select_related("institution"), pk=pk)
    _institution_reader(user, programme.institution_id, write=write)
    return programme


def course_for(user, pk, *, write: bool = False) -> Course:
    """A course as its keepers see it (any state, public or not): the same rule as
    ``programme_for``."""
    course = get_object_or_404(Course.objects.select_related("institution"), pk=pk)
    _institution_reader(user, course.institution_id, write=write)
    return course


def public_course(pk) -> Course:
    """A course as the catalogue shows it: public, offered, of an approved institution."""
    return get_object_or_404(Course.objects.public().select_related("institution"), pk=pk)


def on_panel(user, version: RuleVersion) -> bool:
    """True if ``user`` is an expert assigned to review ``version`` (the guardian object
    permission)."""
    return (
        user.is_authenticated and is_expert(user) and REVIEW_PERMISSION in get_perms(user, version)
    )


def rule_version_for(user, pk, *, write: bool = False) -> RuleVersion:
    """A rule version, any status, for the people who work on it.

    The target institution's staff read it and its writers write it; centre administrators read
    every version (their steps go through ``rule_version_actions``); an expert reads a version
    while on its panel or once they gave an opinion on it. A reader asking with ``write=True``
    gets 403; anyone else 404, as for a version that does not exist.
    """
    version = get_object_or_404(
        RuleVersion.objects.select_related(
            "rule", "rule__institution", "programme", "previous_version", "created_by"
        ),
        pk=pk,
    )
    if (
        not write
        and is_expert(user)
        and (on_panel(user, version) or version.opinions.filter(reviewer=user).exists())
    ):
        return version
    _institution_reader(user, version.rule.institution_id, write=write)
    return version


def public_rule_version(pk) -> RuleVersion:
    """A rule version as the public sees it: published, or retired (marked so)."""
    return get_object_or_404(
        RuleVersion.objects.select_related("rule", "rule__institution", "programme"),
        pk=pk,
        status__in=PUBLIC_RULE_STATUSES,
    )


# --- The lifecycle: expert panels and the steps open to a person -----------------------------

# A rule's versions that are being worked on: at most one at a time (``rule_one_open_version``).
OPEN_RULE_STATUSES = (
    RuleVersion.Status.DRAFT,
    RuleVersion.Status.SUBMITTED,
    RuleVersion.Status.IN_REVIEW,
    RuleVersion.Status.APPROVED,
)


def panel_permissions():
    """The django-guardian rows that put experts on rule versions' panels (``object_pk`` is the
    version's pk as text); joined by names, so that no content-type query is needed."""
    return UserObjectPermission.objects.filter(
        content_type__app_label="conversion",
        content_type__model="ruleversion",
        permission__codename=REVIEW_PERMISSION,
    )


def panel_of(version: RuleVersion):
    """The experts on ``version``'s panel now, by name."""
    return (
        get_user_model()
        .objects.filter(
            pk__in=panel_permissions().filter(object_pk=str(version.pk)).values("user_id")
        )
        .order_by("username")
    )


def is_rule_author(user, version: RuleVersion) -> bool:
    """True if ``user`` created or wrote ``version`` (maker-checker: they never approve it)."""
    return version.created_by_id == user.pk or version.authors.filter(pk=user.pk).exists()


def works_for_target(user, version: RuleVersion) -> bool:
    """True if ``user`` is on the staff of ``version``'s target institution, in any role."""
    return version.rule.institution_id in staff_institution_ids(user)


def is_rule_writer(user, version: RuleVersion) -> bool:
    """True if ``user`` may write ``version``'s rule: an administrator or clerk of its approved
    target institution."""
    if not getattr(user, "is_authenticated", False):
        return False
    roles = institution_roles(user).get(version.rule.institution_id, set())
    return bool(roles & WRITER_ROLES) and (
        version.rule.institution.status == Institution.Status.APPROVED
    )


def opinions_missing(version: RuleVersion) -> int:
    """How many experts on the panel of ``version``'s current round have not given their
    opinion yet (a panel of nobody misses one: a decision needs at least one opinion)."""
    panel = set(panel_of(version).values_list("pk", flat=True))
    if not panel:
        return 1
    answered = set(
        version.opinions.filter(round=version.review_round, reviewer_id__in=panel).values_list(
            "reviewer_id", flat=True
        )
    )
    return len(panel - answered)


def rule_version_actions(user, version: RuleVersion) -> list[str]:
    """The steps open to ``user`` on ``version`` now, for the pages' buttons (the services in
    ``conversion.services.review`` ask the same questions and refuse the rest):

    - writers (administrators and clerks of the target institution): ``edit`` a draft,
      ``submit`` it, ``withdraw`` it while submitted or in review, and start a ``new_version``
      of an approved or published version while the rule has no open version;
    - an expert on the panel: ``opinion``, once a round, while in review;
    - centre administrators: ``panel_assign`` and ``return`` while submitted or in review,
      ``approve`` once every expert of the round has answered (never an author nor a member
      of the target institution's staff), ``publish`` an approved version they did not write,
      ``retire`` a published one.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    Status = RuleVersion.Status
    status = version.status
    actions = []
    if is_rule_writer(user, version):
        if status == Status.DRAFT:
            actions += ["edit", "submit"]
        elif status in (Status.SUBMITTED, Status.IN_REVIEW):
            actions.append("withdraw")
        elif (
            status in (Status.APPROVED, Status.PUBLISHED)
            and not RuleVersion.objects.filter(
                rule_id=version.rule_id, status__in=OPEN_RULE_STATUSES
            ).exists()
        ):
            actions.append("new_version")
    if (
        status == Status.IN_REVIEW
        and on_panel(user, version)
        and not version.opinions.filter(reviewer=user, round=version.review_round).exists()
    ):
        actions.append("opinion")
    if is_centre_admin(user):
        if status in (Status.SUBMITTED, Status.IN_REVIEW):
            actions += ["panel_assign", "return"]
        author = is_rule_author(user, version)
        open_to_rules = version.rule.institution.status == Institution.Status.APPROVED
        if (
            status == Status.IN_REVIEW
            and open_to_rules
            and not author
            and not works_for_target(user, version)
            and not opinions_missing(version)
        ):
            actions.append("approve")
        if status == Status.APPROVED and open_to_rules and not author:
            actions.append("publish")
        if status == Status.PUBLISHED:
            actions.append("retire")
    return actions


# --- The review queue (conversion:review_queue) and the desk's counts ---------------------------

# Each list of the queue: who sees it. The counts of the desk are these lists' rows.
REVIEW_QUEUES = {
    "panel": CENTRE_ADMIN,  # submitted: waiting for a panel
    "review": CENTRE_ADMIN,  # in review, with the opinions in so far
    "decision": CENTRE_ADMIN,  # in review, every opinion in: ready for a decision
    "publish": CENTRE_ADMIN,  # approved: waiting to be published
    "waiting": EXPERT,  # on my panel, waiting for my opinion
    "answered": EXPERT,  # versions I gave an opinion on
    "returned": "writer",  # returned to my institution as drafts
}


def _panel_of_row():
    """The panel rows of the version of the outer query."""
    return panel_permissions().filter(object_pk=Cast(OuterRef("pk"), CharField()))


def _versions():
    return RuleVersion.objects.select_related("rule", "rule__institution", "programme")


def review_queues_of(user) -> list[str]:
    """The lists of the review queue ``user`` may open, in the page's order."""
    if not getattr(user, "is_authenticated", False):
        return []
    writer = has_role(user, INSTITUTION_ADMIN, INSTITUTION_CLERK)
    return [
        name
        for name, role in REVIEW_QUEUES.items()
        if (writer if role == "writer" else has_role(user, role))
    ]


def review_queue_for(user, queue: str):
    """The rule versions of the list ``queue`` for ``user`` (``REVIEW_QUEUES``), the
    longest-waiting first; none if the list is not theirs. A centre administrator's
    ``decision`` and ``publish`` lists leave out what they may not decide (versions they wrote,
    of an institution they work for, of one not approved at present), as the services refuse
    them."""
    if queue not in review_queues_of(user):
        return RuleVersion.objects.none()
    Status = RuleVersion.Status
    versions = _versions()
    if queue == "panel":
        return versions.filter(status=Status.SUBMITTED).order_by("submitted_at", "pk")
    if queue in ("review", "decision"):
        versions = versions.filter(status=Status.IN_REVIEW).annotate(
            panel_size=Coalesce(
                Subquery(
                    _panel_of_row()
                    .order_by()
                    .values("object_pk")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
            opinions_in=Coalesce(
                Subquery(
                    RuleOpinion.objects.filter(
                        version_id=OuterRef("pk"), round=OuterRef("review_round")
                    )
                    .order_by()
                    .values("version_id")
                    .annotate(n=Count("pk"))
                    .values("n")
                ),
                0,
            ),
        )
        if queue == "decision":
            unanswered = _panel_of_row().filter(
                ~Exists(
                    RuleOpinion.objects.filter(
                        version_id=OuterRef(OuterRef("pk")),
                        round=OuterRef(OuterRef("review_round")),
                        reviewer_id=OuterRef("user_id"),
                    )
                )
            )
            versions = (
                versions.filter(Exists(_panel_of_row()), ~Exists(unanswered))
                .filter(rule__institution__status=Institution.Status.APPROVED)
                .exclude(created_by=user)
                .exclude(authors=user)
                .exclude(rule__institution__in=user.institution_roles.values("institution_id"))
            )
        return versions.order_by("review_started_at", "pk")
    if queue == "publish":
        return (
            versions.filter(status=Status.APPROVED)
            .filter(rule__institution__status=Institution.Status.APPROVED)
            .exclude(created_by=user)
            .exclude(authors=user)
            .order_by("approved_at", "pk")
        )
    if queue == "waiting":
        return versions.filter(
            Exists(_panel_of_row().filter(user_id=user.pk)),
            ~Exists(
                RuleOpinion.objects.filter(
                    version_id=OuterRef("pk"), round=OuterRef("review_round"), reviewer_id=user.pk
                )
            ),
            status=Status.IN_REVIEW,
        ).order_by("review_started_at", "pk")
    if queue == "answered":
        return versions.filter(
            Exists(RuleOpinion.objects.filter(version_id=OuterRef("pk"), reviewer_id=user.pk))
        ).order_by("-updated_at", "-pk")
    # returned
    writes_for = InstitutionStaff.objects.filter(
        user_id=user.pk,
        role__in=WRITER_ROLES,
        institution__status=Institution.Status.APPROVED,
    ).values("institution_id")
    return (
        versions.filter(status=Status.DRAFT, rule__institution__in=writes_for)
        .exclude(returned_reason="")
        .order_by("updated_at", "pk")
    )


def public_programme(pk) -> Programme:
    """A programme as the public sees it: open for conversion, of an approved institution."""
    return get_object_or_404(
        Programme.objects.active()
        .filter(institution__status=Institution.Status.APPROVED)
        .select_related("institution"),
        pk=pk,
    )


def _kept_by(queryset, user):
    """``queryset`` (programmes or courses) narrowed to what ``user`` keeps or reads: every one
    for a centre administrator, their institutions' for institution staff, none otherwise."""
    if is_centre_admin(user):
        return queryset
    return queryset.filter(institution_id__in=staff_institution_ids(user))


def programmes_for(user):
    """The programmes ``user`` may list on the management pages (see ``programme_for``)."""
    return _kept_by(Programme.objects.select_related("institution"), user)


def courses_for(user):
    """The courses ``user`` may list on the management pages (see ``course_for``)."""
    return _kept_by(Course.objects.select_related("institution"), user)


# --- Conversion applications ------------------------------------------------------------------
# An application's steps (written once; ``conversion.services.applications`` is the only module
# that changes a status): step → (the application statuses it starts from, the status it leads
# to; ``None`` when the step decides it — a line's decision settles the application once no
# line is open — or leaves it as it is).
#
#   submitted ──accept──→ accepted ──take──→ with_institution ──decide / confirm──→ approved |
#       │ └──decline──→ not_accepted                      partly_approved | rejected ──appeal──→
#       └── withdraw (submitted, accepted, with_institution: while no line is decided)  appealed
#   appealed ──decide / confirm──→ approved | partly_approved | rejected (no second appeal)

_App = ConversionApplication.Status
_Line = ApplicationLine.Status

APPLICATION_TRANSITIONS = {
    "submit": (frozenset(), _App.SUBMITTED),
    "accept": (frozenset({_App.SUBMITTED}), _App.ACCEPTED),
    "decline": (frozenset({_App.SUBMITTED}), _App.NOT_ACCEPTED),
    "take": (frozenset({_App.ACCEPTED}), _App.WITH_INSTITUTION),
    "decide": (frozenset({_App.ACCEPTED, _App.WITH_INSTITUTION, _App.APPEALED}), None),
    "confirm": (frozenset({_App.WITH_INSTITUTION, _App.APPEALED}), None),
    "send_back": (frozenset({_App.WITH_INSTITUTION, _App.APPEALED}), None),
    "withdraw": (
        frozenset({_App.SUBMITTED, _App.ACCEPTED, _App.WITH_INSTITUTION}),
        _App.WITHDRAWN,
    ),
    "appeal": (frozenset({_App.PARTLY_APPROVED, _App.REJECTED}), _App.APPEALED),
    "remind": (frozenset({_App.ACCEPTED, _App.WITH_INSTITUTION, _App.APPEALED}), None),
}
# A line's steps: step → (the line statuses it starts from, where it leads; ``None``: decided by
# the step — approved, confirming above the re-review threshold, refused; sent back to pending,
# or to appealed on appeal).
LINE_TRANSITIONS = {
    "decide": (frozenset({_Line.PENDING, _Line.APPEALED}), None),
    "confirm": (frozenset({_Line.CONFIRMING}), _Line.APPROVED),
    "send_back": (frozenset({_Line.CONFIRMING}), None),
    "withdraw": (frozenset({_Line.PENDING}), _Line.WITHDRAWN),
    "appeal": (frozenset({_Line.REFUSED}), _Line.APPEALED),
}
# The application statuses a line decision on a pending line, and on an appealed one, needs.
FIRST_DECISION_STATUSES = frozenset({_App.ACCEPTED, _App.WITH_INSTITUTION})
DECIDED_STATUSES = frozenset({_App.APPROVED, _App.PARTLY_APPROVED, _App.REJECTED})
# The steps that make someone a participant in an application's decision: they never decide
# its appeal.
DECISION_STEPS = ("take", "decide", "confirm", "send_back")
APPLICATION_QUEUES = ("accept", "decide", "confirm")

LEARNER_APPLICATION_ACTIONS = frozenset({"submit", "withdraw", "appeal"})
ACCEPT_ACTIONS = frozenset({"accept", "decline"})


def _is_applicant(user, application: ConversionApplication) -> bool:
    return user.is_authenticated and application.account.user_id == user.pk


def application_participants(application: ConversionApplication) -> set[int]:
    """Everyone who took, decided, re-reviewed or sent back anything of the application."""
    return set(
        application.events.filter(action__in=DECISION_STEPS, actor__isnull=False).values_list(
            "actor_id", flat=True
        )
    )


def application_capacity(user, application: ConversionApplication, action: str):
    """The capacity (``achievements.access.Capacity``) in which ``user`` may take ``action``
    (``APPLICATION_TRANSITIONS``) on ``application``, whatever its status, or ``None``.

    The learner submits, withdraws and appeals. Branch staff of the application's branch (the
    learner's home branch at submission), or a clerk of the target institution while it is an
    approved, active alliance member, accept or decline it; a reviewer of that member
    institution takes it. Nobody acts as staff on an application of their own."""
    if not getattr(user, "is_authenticated", False):
        return None
    owner = _is_applicant(user, application)
    if action in LEARNER_APPLICATION_ACTIONS:
        return Capacity(LEARNER) if owner else None
    if owner:
        return None
    institution = application.institution
    roles = _member_institution_roles(user, institution)
    if action in ACCEPT_ACTIONS:
        if application.branch_id is not None and application.branch_id in staff_branch_ids(user):
            found = branch_staff_role(user, application.branch_id)
            if found is not None:
                return Capacity(*found)
        if InstitutionStaff.Role.CLERK in roles:
            return Capacity(INSTITUTION_CLERK, institution.name)
        return None
    if action == "take" and InstitutionStaff.Role.REVIEWER in roles:
        return Capacity(INSTITUTION_REVIEWER, institution.name)
    return None


def line_capacity(user, line: ApplicationLine, action: str):
    """The capacity in which ``user`` may take ``action`` (``decide``, ``confirm``,
    ``send_back``) on ``line``, whatever its status, or ``None``.

    A reviewer of the target member institution decides; an appealed line only one who took no
    part in the application's decision so far (``DECISION_STEPS``). A centre administrator
    re-reviews an approval above the threshold, never the one who made it (maker-checker).
    Nobody acts on a line of their own application."""
    if not getattr(user, "is_authenticated", False):
        return None
    application = line.application
    if _is_applicant(user, application):
        return None
    if action == "decide":
        institution = application.institution
        if InstitutionStaff.Role.REVIEWER not in _member_institution_roles(user, institution):
            return None
        if line.status == _Line.APPEALED and user.pk in application_participants(application):
            return None
        return Capacity(INSTITUTION_REVIEWER, institution.name)
    if action in ("confirm", "send_back"):
        if not is_centre_admin(user) or line.decided_by_id == user.pk:
            return None
        return Capacity(CENTRE_ADMIN)
    return None


def appeal_deadline(application: ConversionApplication) -> date | None:
    """The last day to appeal the decision, or ``None`` when it cannot be appealed: not
    partly approved or rejected, or decided on appeal already (there is no second appeal)."""
    if application.status not in (_App.PARTLY_APPROVED, _App.REJECTED):
        return None
    if application.appealed_at is not None or application.decided_at is None:
        return None
    decided_on = timezone.localdate(application.decided_at)
    return decided_on + timedelta(days=settings.CREDITBANK_APPEAL_DAYS)


def expected_decision_date(application: ConversionApplication) -> date | None:
    """When the learner may expect the decision: the promised ``due_on`` once accepted; before
    acceptance an estimate (that many working days from submission); ``None`` once decided,
    declined or withdrawn."""
    if application.status in (_App.ACCEPTED, _App.WITH_INSTITUTION, _App.APPEALED):
        return application.due_on
    if application.status == _App.SUBMITTED:
        return add_working_days(
            timezone.localdate(application.submitted_at),
            settings.CREDITBANK_CONVERSION_DUE_WORKING_DAYS,
        )
    return None


def _open_to(application: ConversionApplication, action: str) -> bool:
    return application.status in APPLICATION_TRANSITIONS[action][0]


def application_actions(user, application: ConversionApplication) -> set[str]:
    """The steps ``user`` may take on ``application`` now, for the pages' buttons, among
    ``withdraw``, ``appeal``, ``accept``, ``decline`` and ``take``: those its status allows and
    ``application_capacity`` grants; a withdrawal only while no line is decided, an appeal only
    until ``appeal_deadline``. The services check the same again under the row lock."""
    allowed = {
        action
        for action in ("withdraw", "appeal", "accept", "decline", "take")
        if _open_to(application, action)
        and application_capacity(user, application, action) is not None
    }
    if "withdraw" in allowed and application.lines.exclude(status=_Line.PENDING).exists():
        allowed.discard("withdraw")
    if "appeal" in allowed:
        deadline = appeal_deadline(application)
        if deadline is None or deadline < timezone.localdate():
            allowed.discard("appeal")
    return allowed


def line_open_to(line: ApplicationLine, action: str) -> bool:
    """True if the line's status and its application's allow ``action`` now."""
    application = line.application
    if line.status not in LINE_TRANSITIONS[action][0]:
        return False
    if action == "decide":
        if line.status == _Line.PENDING:
            return application.status in FIRST_DECISION_STATUSES
        return application.status == _App.APPEALED
    return _open_to(application, action)


def line_actions(user, line: ApplicationLine) -> set[str]:
    """The steps ``user`` may take on ``line`` now, among ``decide``, ``confirm`` and
    ``send_back`` (its status and ``line_capacity``)."""
    return {
        action
        for action in ("decide", "confirm", "send_back")
        if line_open_to(line, action) and line_capacity(user, line, action) is not None
    }


def _application_rows():
    return ConversionApplication.objects.select_related(
        "account__user", "programme", "institution", "branch", "reviewer", "accepted_by"
    )


def _application_reader(user, application: ConversionApplication, *, write: bool):
    """Raise unless ``user`` may read the application (``write``: act on it in some capacity).

    Its learner reads and writes it. Branch staff of its branch, the target institution's
    clerks and reviewers and centre administrators read it and may act (whether a step is
    theirs is for ``application_actions`` / ``line_actions`` and the services to say); the
    target institution's other staff read it only (403 for a write). Anyone else: 404."""
    if not user.is_authenticated:
        raise Http404
    if application.account.user_id == user.pk:
        return
    actor = (
        (application.branch_id is not None and application.branch_id in staff_branch_ids(user))
        or bool(
            institution_roles(user).get(application.institution_id, set())
            & {InstitutionStaff.Role.CLERK, InstitutionStaff.Role.REVIEWER}
        )
        or is_centre_admin(user)
    )
    if actor:
        return
    if application.institution_id in institution_roles(user):
        if write:
            raise PermissionDenied
        return
    raise Http404


def application_for(user, pk, *, write: bool = False) -> ConversionApplication:
    """A conversion application, any status (see ``_application_reader`` for who reads and
    who may act); everyone else gets 404, as for an application that does not exist."""
    application = get_object_or_404(_application_rows(), pk=pk)
    _application_reader(user, application, write=write)
    return application


def line_for(user, pk, *, write: bool = False) -> ApplicationLine:
    """An application line, for whoever may read (or act on) its application."""
    line = get_object_or_404(
        ApplicationLine.objects.select_related(
            "application__account__user",
            "application__programme",
            "application__institution",
            "application__branch",
            "course",
            "rule_version__rule",
            "decided_by",
            "confirmed_by",
        ),
        pk=pk,
    )
    _application_reader(user, line.application, write=write)
    return line


def learner_applications(user):
    """The learner's own applications, newest first."""
    if not getattr(user, "is_authenticated", False):
        return ConversionApplication.objects.none()
    return (
        ConversionApplication.objects.filter(account__user=user)
        .select_related("programme", "institution")
        .order_by("-submitted_at", "-pk")
    )


def application_queues_of(user) -> list[str]:
    """The application queues ``user`` may open (``APPLICATION_QUEUES``, in that order):
    ``accept`` for branch staff and the clerks of member institutions, ``decide`` for the
    reviewers of member institutions, ``confirm`` for centre administrators."""
    if not getattr(user, "is_authenticated", False):
        return []
    found = []
    # The role names come with the person (no query): the lookups only for those who hold them,
    # so that a desk asking for one queue reads nothing for the others.
    if (has_role(user, BRANCH_MANAGER, BRANCH_STAFF) and staff_branch_ids(user)) or (
        has_role(user, INSTITUTION_CLERK)
        and _member_institution_ids(user, InstitutionStaff.Role.CLERK)
    ):
        found.append("accept")
    if has_role(user, INSTITUTION_REVIEWER) and _member_institution_ids(
        user, InstitutionStaff.Role.REVIEWER
    ):
        found.append("decide")
    if is_centre_admin(user):
        found.append("confirm")
    return found


def application_queue_for(user, queue: str):
    """What waits for ``user`` in ``queue``, the longest-waiting first (none if the queue is not
    theirs): ``accept`` — submitted applications of their branches, or to the member
    institutions where they are clerks; ``decide`` — accepted, taken and appealed applications
    to the member institutions where they are reviewers (an appeal only if they took no part);
    ``confirm`` — applications with a line awaiting re-review that someone else decided. Never
    their own application."""
    if queue not in application_queues_of(user):
        return ConversionApplication.objects.none()
    own = LearnerAccount.objects.filter(user=user).values("pk")
    rows = _application_rows().exclude(account__in=own)
    if queue == "accept":
        scope = Q(branch_id__in=staff_branch_ids(user)) | Q(
            institution_id__in=_member_institution_ids(user, InstitutionStaff.Role.CLERK)
        )
        return rows.filter(scope, status=_App.SUBMITTED).order_by("submitted_at", "pk")
    if queue == "decide":
        took_part = ApplicationEvent.objects.filter(
            application=OuterRef("pk"), action__in=DECISION_STEPS, actor=user
        )
        return (
            rows.filter(
                institution_id__in=_member_institution_ids(user, InstitutionStaff.Role.REVIEWER),
                status__in=[_App.ACCEPTED, _App.WITH_INSTITUTION, _App.APPEALED],
            )
            .exclude(Q(status=_App.APPEALED) & Exists(took_part))
            .order_by("status_changed_at", "pk")
        )
    waiting = ApplicationLine.objects.filter(
        application=OuterRef("pk"), status=_Line.CONFIRMING
    ).exclude(decided_by=user)
    return rows.filter(Exists(waiting)).order_by("status_changed_at", "pk")


# --- The evidence behind an application (helper D) ----------------------------------------------


def reads_achievement_for_application(user, achievement) -> bool:
    """True if ``user`` is on the staff of an institution, or of the accepting branch, that an
    application using ``achievement`` is addressed to: they check its evidence (registered in
    ``achievements.access.staff_reader_checks`` by ``ConversionConfig.ready``). Read-only, as
    for every staff reader of an achievement."""
    from .models import LineHolding

    institutions = staff_institution_ids(user)
    branches = staff_branch_ids(user)
    if not institutions and not branches:
        return False
    return (
        LineHolding.objects.filter(achievement_id=achievement.pk)
        .filter(
            Q(line__application__institution_id__in=institutions)
            | Q(line__application__branch_id__in=branches)
        )
        .exists()
    )
