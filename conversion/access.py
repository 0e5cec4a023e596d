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

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import CharField, Count, Exists, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from guardian.models import UserObjectPermission
from guardian.shortcuts import get_perms

from accounts.access import institution_roles
from accounts.models import Institution, InstitutionStaff
from accounts.roles import CENTRE_ADMIN, EXPERT, INSTITUTION_ADMIN, INSTITUTION_CLERK, has_role
from achievements.access import STANDARD_WRITER_ROLES, is_centre_admin, writable_institutions

from .models import Certificate, Course, Programme, RuleOpinion, RuleVersion, SelfStudySubject

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
