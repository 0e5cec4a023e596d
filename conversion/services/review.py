"""A conversion rule version's lifecycle after drafting: submission, the expert panel and its
opinions, the centre's decision, publication (with an announcement) and retirement.

The transitions, written once here::

    draft → submitted → in_review → approved → published → retired
      ↑         │            │
      └─────────┴────────────┘  withdrawn by its writers, or returned by the centre (a reason)

Who acts: the target institution's administrators and clerks (*writers*) submit and withdraw;
a centre administrator assigns the panel (experts who did not write the version and do not work
for the target institution; a django-guardian object permission on the version), returns,
approves, publishes and retires; an expert on the panel gives one opinion a round. A version
is approved only once every expert of the round has answered, and never by one of its authors
nor by a member of the target institution's staff; a disagreement needs a note. Publishing
brings forward the end of the published version it takes over from (``ends_on``) and announces
the rule on the announcements page.

Every step locks the version, checks the person, then the status (``IllegalTransition``), then
the input (``InvalidInput``), writes one ``conversion_rule.<action>`` audit event and leaves
the notices; nothing is written when a check refuses.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm

from accounts.access import require_centre_admin
from accounts.models import Institution, InstitutionStaff, RoleGrant
from accounts.roles import EXPERT, has_role
from accounts.services.notices import notice_language, notice_send
from branches.models import Announcement
from branches.services.announcements import announcement_create, announcement_publish
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..access import (
    REVIEW_PERMISSION,
    WRITER_ROLES,
    is_rule_author,
    on_panel,
    opinions_missing,
    panel_of,
    panel_permissions,
)
from ..models import RuleOpinion, RuleTarget, RuleVersion
from ..source import source_check
from ..validity import superseded_versions, validity_check
from .rules import version_lock

Status = RuleVersion.Status

# action → (statuses it may start from, status it leads to). An opinion leaves the status.
RULE_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "withdraw": (frozenset({Status.SUBMITTED, Status.IN_REVIEW}), Status.DRAFT),
    "panel_assign": (frozenset({Status.SUBMITTED, Status.IN_REVIEW}), Status.IN_REVIEW),
    "opinion": (frozenset({Status.IN_REVIEW}), Status.IN_REVIEW),
    "return": (frozenset({Status.SUBMITTED, Status.IN_REVIEW}), Status.DRAFT),
    "approve": (frozenset({Status.IN_REVIEW}), Status.APPROVED),
    "publish": (frozenset({Status.APPROVED}), Status.PUBLISHED),
    "retire": (frozenset({Status.PUBLISHED}), Status.RETIRED),
}

REASON_MAX = RuleVersion._meta.get_field("returned_reason").max_length
COMMENT_MAX = RuleOpinion._meta.get_field("comment").max_length
NOTE_MAX = 500
PANEL_MAX = 9


# --- Shared steps ------------------------------------------------------------------------------


def _check_from(locked: RuleVersion, action: str) -> None:
    if locked.status not in RULE_TRANSITIONS[action][0]:
        raise IllegalTransition(
            _("A conversion rule version that is “%(status)s” cannot be changed this way.")
            % {"status": locked.get_status_display()},
            code="illegal_transition",
        )


def _move(
    acting_user,
    locked: RuleVersion,
    action: str,
    *,
    event: str,
    note: str = "",
    panel: list[int] | None = None,
    ended: list[dict] | None = None,
    **extra,
):
    """Move ``locked`` on by ``action`` (its status checked), saving ``extra`` lifecycle columns
    with it, and write the audit event ``event``: the experts taken off the panel (``panel``),
    the published versions it ended (``ended``) and the reason or ``note`` given."""
    _check_from(locked, action)
    target = RULE_TRANSITIONS[action][1]
    before = {"status": locked.status}
    if panel:
        before["experts"] = panel
    locked.status = target
    fields = ["status", "updated_at"]
    for name, value in extra.items():
        setattr(locked, name, value)
        fields.append(name)
    locked.save(update_fields=fields)
    after = {"status": target}
    if extra.get("returned_reason"):
        after["reason"] = extra["returned_reason"]
    if extra.get("retired_reason"):
        after["reason"] = extra["retired_reason"]
    if ended:
        after["superseded"] = [row["version"] for row in ended]
        after["ends_on"] = ended[0]["ends_on"]  # the day before this one starts, for each
    audit_record(
        actor=acting_user, action=event, target=locked, before=before, after=after, note=note
    )
    return locked


def _require_writer(acting_user, locked: RuleVersion) -> None:
    if not InstitutionStaff.objects.filter(
        institution_id=locked.rule.institution_id, user=acting_user, role__in=WRITER_ROLES
    ).exists():
        raise NotAllowed(
            _("Only the target institution's administrators and clerks may do this."),
            code="not_allowed",
        )
    if locked.rule.institution.status != Institution.Status.APPROVED:
        raise IllegalTransition(
            _("%(name)s is not approved at present, so its rules cannot be changed.")
            % {"name": locked.rule.institution.name},
            code="institution_not_approved",
        )


def _works_for_target(user, locked: RuleVersion) -> bool:
    return InstitutionStaff.objects.filter(
        institution_id=locked.rule.institution_id, user=user
    ).exists()


def _require_checker(acting_user, locked: RuleVersion, *, staff_too: bool = True) -> None:
    """Maker-checker: the person deciding did not write the version (and, with ``staff_too``,
    does not work for its target institution)."""
    if is_rule_author(acting_user, locked):
        raise NotAllowed(
            _("You wrote this version of the rule, so another centre administrator must do this."),
            code="own_rule",
        )
    if staff_too and _works_for_target(acting_user, locked):
        raise NotAllowed(
            _("You work for the target institution, so another centre administrator must decide."),
            code="own_institution",
        )


def _require_institution_approved(locked: RuleVersion) -> None:
    """A rule of an institution that is not approved (suspended, say) is not approved nor
    published until it is again."""
    institution = locked.rule.institution
    if institution.status != Institution.Status.APPROVED:
        raise IllegalTransition(
            _("%(name)s is not approved at present; its rules cannot be approved or published.")
            % {"name": institution.name},
            code="institution_not_approved",
        )


def _check_reason(reason: str) -> str:
    reason = clean_text(reason, field="reason", max_length=REASON_MAX, required=False)
    if not reason:
        raise InvalidInput(
            _("Please give the reason; the institution will see it."),
            field="reason",
            code="reason_required",
        )
    return reason


def _panel_clear(locked: RuleVersion) -> list[int]:
    """Take every expert off ``locked``'s panel; returns who was on it."""
    rows = panel_permissions().filter(object_pk=str(locked.pk))
    experts = sorted(rows.values_list("user_id", flat=True))
    rows.delete()
    return experts


def _manage_link(version: RuleVersion) -> str:
    try:
        return reverse("conversion:rule_manage_detail", args=[version.pk])
    except NoReverseMatch:  # the drafting pages are not installed
        return ""


def _names(version: RuleVersion) -> dict:
    return {
        "number": version.rule.number,
        "title": version.rule.title,
        "version": version.version,
        "institution": version.rule.institution.name,
    }


def _writers_notice(version: RuleVersion, title: str, body: str) -> None:
    """Tell the target institution's writers, and the version's authors who still work there."""
    authors = {*version.authors.values_list("pk", flat=True), version.created_by_id}
    users = (
        get_user_model()
        .objects.filter(
            Q(pk__in=authors) | Q(institution_roles__role__in=WRITER_ROLES),
            institution_roles__institution_id=version.rule.institution_id,
        )
        .distinct()
        .order_by("pk")
    )
    link = _manage_link(version)
    for user in users:
        notice_send(user=user, title=title, body=body, link=link)


# --- Writers: submit and withdraw ----------------------------------------------------------------


@transaction.atomic
def rule_submit(*, acting_user, version: RuleVersion) -> RuleVersion:
    """Send a draft to the centre for expert review (the target institution's writers only).

    The draft is checked again as drafting checks it: its source (``source.source_check``),
    its validity against the rule's published versions (``validity.validity_check``) and that it
    has targets. A reason the centre gave when it returned the draft is cleared (the audit log
    keeps it)."""
    locked = version_lock(version)
    _require_writer(acting_user, locked)
    _check_from(locked, "submit")
    source_check(locked.source)
    validity_check(
        rule=locked.rule,
        valid_from=locked.valid_from,
        valid_until=locked.valid_until,
        exclude=locked,
    )
    if not RuleTarget.objects.filter(version=locked).exists():
        raise InvalidInput(
            _("Add at least one target course before submitting."),
            field="targets",
            code="no_targets",
        )
    return _move(
        acting_user,
        locked,
        "submit",
        event="conversion_rule.submit",
        submitted_at=timezone.now(),
        returned_reason="",
    )


@transaction.atomic
def rule_withdraw(*, acting_user, version: RuleVersion) -> RuleVersion:
    """Take a submitted version, or one in review, back as a draft (its writers). The panel's
    permissions go; opinions given stay with their round."""
    locked = version_lock(version)
    _require_writer(acting_user, locked)
    _check_from(locked, "withdraw")
    experts = _panel_clear(locked)
    return _move(
        acting_user,
        locked,
        "withdraw",
        event="conversion_rule.withdraw",
        panel=experts,
    )


# --- The centre: panel, return, approve, publish, retire ----------------------------------------


@transaction.atomic
def rule_panel_assign(*, acting_user, version: RuleVersion, experts) -> RuleVersion:
    """A centre administrator puts ``experts`` on the panel of a submitted version (which then
    goes into review: a new round starts) or adds them to the panel of a version in review.

    Each expert holds the expert role, did not write the version and does not work for the
    target institution; at least one is named, and at least one not on the panel already. Each
    new member is told by a notice."""
    require_centre_admin(acting_user)
    locked = version_lock(version)
    _check_from(locked, "panel_assign")
    experts = list({expert.pk: expert for expert in experts}.values())
    if not experts:
        raise InvalidInput(
            _("Choose at least one expert."), field="experts", code="experts_required"
        )
    if len(experts) > PANEL_MAX:
        raise InvalidInput(
            _("A panel has at most %(max)d experts.") % {"max": PANEL_MAX},
            field="experts",
            code="panel_too_large",
        )
    pks = [expert.pk for expert in experts]
    holding = set(
        RoleGrant.objects.filter(user_id__in=pks, role=EXPERT).values_list("user_id", flat=True)
    )
    authors = {*locked.authors.values_list("pk", flat=True), locked.created_by_id}
    staff = set(
        InstitutionStaff.objects.filter(
            institution_id=locked.rule.institution_id, user_id__in=pks
        ).values_list("user_id", flat=True)
    )
    for expert in experts:
        names = {"name": expert.get_username()}
        if expert.pk not in holding:
            raise InvalidInput(
                _("%(name)s is not an expert.") % names, field="experts", code="not_expert"
            )
        if expert.pk in authors:
            raise InvalidInput(
                _("%(name)s wrote this version and cannot review it.") % names,
                field="experts",
                code="expert_is_author",
            )
        if expert.pk in staff:
            raise InvalidInput(
                _("%(name)s works for the target institution and cannot review its rule.") % names,
                field="experts",
                code="expert_is_staff",
            )
    new_round = locked.status == Status.SUBMITTED
    on_it = set() if new_round else set(panel_of(locked).values_list("pk", flat=True))
    added = [expert for expert in experts if expert.pk not in on_it]
    if not added:
        raise InvalidInput(
            _("These experts are on the panel already."), field="experts", code="already_on"
        )
    if new_round:
        _panel_clear(locked)  # nobody is on it while submitted; a stale row would count
    for expert in added:
        assign_perm(f"conversion.{REVIEW_PERMISSION}", expert, locked)
    before = {"status": locked.status, "review_round": locked.review_round}
    fields = ["updated_at"]
    if new_round:
        locked.status = Status.IN_REVIEW
        locked.review_round += 1
        locked.review_started_at = timezone.now()
        fields += ["status", "review_round", "review_started_at"]
    locked.save(update_fields=fields)
    audit_record(
        actor=acting_user,
        action="conversion_rule.panel_assign",
        target=locked,
        before=before,
        after={
            "status": locked.status,
            "review_round": locked.review_round,
            "experts": [expert.pk for expert in added],
        },
    )
    names = _names(locked)
    with notice_language():
        title = _("Please review conversion rule %(number)s") % names
        body = (
            _(
                "You are on the expert panel of version %(version)s of %(number)s %(title)s "
                "(%(institution)s). Please read it and give your opinion."
            )
            % names
        )
    link = _manage_link(locked)
    for expert in added:
        notice_send(user=expert, title=title, body=body, link=link)
    return locked


@transaction.atomic
def rule_return(*, acting_user, version: RuleVersion, reason: str) -> RuleVersion:
    """A centre administrator returns a submitted version, or one in review, to its writers as
    a draft, with a reason they see. The panel's permissions go."""
    require_centre_admin(acting_user)
    locked = version_lock(version)
    _check_from(locked, "return")
    reason = _check_reason(reason)
    experts = _panel_clear(locked)
    returned = _move(
        acting_user,
        locked,
        "return",
        event="conversion_rule.return",
        panel=experts,
        returned_reason=reason,
    )
    names = {**_names(returned), "reason": reason}
    with notice_language():
        title = _("Conversion rule %(number)s was returned") % names
        body = (
            _(
                "Version %(version)s of %(number)s %(title)s was returned to you as a draft. "
                "Change it and submit it again."
            )
            % names
            + "\n"
            + _("Reason: %(reason)s") % names
        )
    _writers_notice(returned, title, body)
    return returned


@transaction.atomic
def rule_opinion_give(
    *, acting_user, version: RuleVersion, verdict: str, comment: str = ""
) -> RuleOpinion:
    """An expert on the panel gives their opinion (agree or disagree, with comments) on a
    version in review: once a round; a disagreement needs a comment."""
    if not has_role(acting_user, EXPERT):
        raise NotAllowed(_("Only an expert on the panel may give an opinion."), code="not_allowed")
    locked = version_lock(version)
    _check_from(locked, "opinion")
    if not on_panel(acting_user, locked):
        raise NotAllowed(_("Only an expert on the panel may give an opinion."), code="not_on_panel")
    if verdict not in RuleOpinion.Verdict.values:
        raise InvalidInput(_("Agree or disagree, please."), field="verdict", code="verdict")
    comment = clean_text(
        comment, field="comment", max_length=COMMENT_MAX, required=False, multiline=True
    )
    if verdict == RuleOpinion.Verdict.DISAGREE and not comment:
        raise InvalidInput(
            _("Say why you disagree; the centre and the institution will read it."),
            field="comment",
            code="comment_required",
        )
    if locked.opinions.filter(reviewer=acting_user, round=locked.review_round).exists():
        raise IllegalTransition(
            _("You have given your opinion in this round already."), code="opinion_given"
        )
    try:
        with transaction.atomic():
            opinion = RuleOpinion.objects.create(
                version=locked,
                reviewer=acting_user,
                round=locked.review_round,
                verdict=verdict,
                comment=comment,
            )
    except IntegrityError as exc:  # a second request of the same expert won the race
        raise IllegalTransition(
            _("You have given your opinion in this round already."), code="opinion_given"
        ) from exc
    audit_record(
        actor=acting_user,
        action="conversion_rule.opinion",
        target=locked,
        after={"review_round": locked.review_round, "verdict": verdict},
    )
    return opinion


@transaction.atomic
def rule_approve(*, acting_user, version: RuleVersion, note: str = "") -> RuleVersion:
    """A centre administrator approves a version in review, once every expert on this round's
    panel has given an opinion. Never an author of the version, nor a member of the target
    institution's staff. When an expert disagreed, ``note`` says why it is approved anyway.
    The panel's permissions go; the version's content is frozen from now on."""
    require_centre_admin(acting_user)
    locked = version_lock(version)
    _require_checker(acting_user, locked)
    _check_from(locked, "approve")
    _require_institution_approved(locked)
    note = clean_text(note, field="note", max_length=NOTE_MAX, required=False, multiline=True)
    if opinions_missing(locked):
        raise IllegalTransition(
            _("Every expert on the panel must give an opinion before the rule is approved."),
            code="opinions_missing",
        )
    disagreed = locked.opinions.filter(
        round=locked.review_round, verdict=RuleOpinion.Verdict.DISAGREE
    ).exists()
    if disagreed and not note:
        raise InvalidInput(
            _("An expert disagreed: say why the rule is approved all the same."),
            field="note",
            code="note_required",
        )
    experts = _panel_clear(locked)
    return _move(
        acting_user,
        locked,
        "approve",
        event="conversion_rule.approve",
        note=note,
        panel=experts,
        approved_by=acting_user,
        approved_at=timezone.now(),
    )


@transaction.atomic
def rule_publish(*, acting_user, version: RuleVersion) -> RuleVersion:
    """A centre administrator who did not write it publishes an approved version.

    Its validity is checked again; the published versions it takes over from end the day
    before it starts (``ends_on``, in the same transaction); the rule is announced on the
    announcements page (in the site's language) and the writers are told."""
    require_centre_admin(acting_user)
    locked = version_lock(version)
    _require_checker(acting_user, locked, staff_too=False)
    _check_from(locked, "publish")
    _require_institution_approved(locked)
    validity_check(
        rule=locked.rule,
        valid_from=locked.valid_from,
        valid_until=locked.valid_until,
        exclude=locked,
    )
    ended = []
    for earlier, day in superseded_versions(locked):
        earlier = RuleVersion.objects.select_for_update().get(pk=earlier.pk)
        if earlier.ends_on is not None:
            raise IllegalTransition(
                _("Version %(version)d ends early already; publish a version starting later.")
                % {"version": earlier.version},
                code="ends_on_set",
            )
        earlier.ends_on = day
        earlier.save(update_fields=["ends_on", "updated_at"])
        ended.append({"version": earlier.version, "ends_on": day.isoformat()})
    announcement = _announce(acting_user, locked)
    now = timezone.now()
    published = _move(
        acting_user,
        locked,
        "publish",
        event="conversion_rule.publish",
        ended=ended,
        published_by=acting_user,
        published_at=now,
        announcement=announcement,
    )
    names = _names(published)
    with notice_language():
        title = _("Conversion rule %(number)s is published") % names
        body = _("Version %(version)s of %(number)s %(title)s is approved and published.") % names
    _writers_notice(published, title, body)
    return published


def public_link(version: RuleVersion) -> str:
    try:
        path = reverse("conversion:rule_public", args=[version.pk])
    except NoReverseMatch:  # the public pages are not installed
        return ""
    return settings.CREDITBANK_SITE_URL.rstrip("/") + path


def _credits(value) -> str:
    """4.00 → "4", 2.50 → "2.5"."""
    return f"{value:f}".rstrip("0").rstrip(".") if "." in f"{value:f}" else f"{value:f}"


def announcement_text(version: RuleVersion) -> tuple[str, str]:
    """The title and text announcing ``version``, in the site's language: the rule, its
    institution and programme, each target with its credits or exemption, the validity and
    the link to the rule's public page."""
    names = _names(version)
    targets = list(RuleTarget.objects.filter(version=version).select_related("course"))
    with notice_language():
        title = _("Conversion rule published: %(number)s %(title)s") % names
        lines = [
            _(
                "The centre has published version %(version)s of conversion rule %(number)s "
                "%(title)s of %(institution)s."
            )
            % names,
            _("Programme: %(programme)s") % {"programme": version.programme},
            _("Targets:"),
        ]
        for target in targets:
            course = {"course": f"{target.course.code} {target.course.name}"}
            if target.outcome == RuleTarget.Outcome.CREDITS:
                lines.append(
                    "- "
                    + _("%(course)s: %(credits)s credits")
                    % {**course, "credits": _credits(target.credits)}
                )
            else:
                lines.append("- " + _("%(course)s: exemption (no credits)") % course)
        start = date_format(version.valid_from, "Y-m-d")
        if version.valid_until:
            lines.append(
                _("Valid from %(start)s until %(end)s.")
                % {"start": start, "end": date_format(version.valid_until, "Y-m-d")}
            )
        else:
            lines.append(_("Valid from %(start)s until further notice.") % {"start": start})
        link = public_link(version)
        if link:
            lines.append(_("The rule in full: %(link)s") % {"link": link})
    return title, "\n".join(lines)


def _announce(acting_user, version: RuleVersion) -> Announcement:
    title, body = announcement_text(version)
    announcement = announcement_create(
        acting_user=acting_user,
        kind=Announcement.Kind.NOTICE,
        title=title[: Announcement._meta.get_field("title").max_length],
        body=body,
    )
    return announcement_publish(acting_user=acting_user, announcement=announcement)


@transaction.atomic
def rule_retire(*, acting_user, version: RuleVersion, reason: str) -> RuleVersion:
    """A centre administrator retires a published version, with a reason the writers see. It
    stays readable (marked retired); the lookup no longer offers it."""
    require_centre_admin(acting_user)
    locked = version_lock(version)
    _check_from(locked, "retire")
    reason = _check_reason(reason)
    retired = _move(
        acting_user,
        locked,
        "retire",
        event="conversion_rule.retire",
        retired_by=acting_user,
        retired_at=timezone.now(),
        retired_reason=reason,
    )
    names = {**_names(retired), "reason": reason}
    with notice_language():
        title = _("Conversion rule %(number)s was retired") % names
        body = _("Version %(version)s of %(number)s %(title)s was retired.") % names
        body += "\n" + _("Reason: %(reason)s") % names
    _writers_notice(retired, title, body)
    return retired
