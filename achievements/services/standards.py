"""Standards (标准): unit standards and their review, and the reference data they rest on.

The unit standard transitions, written once here::

    draft → submitted → approved → retired
                 └──── rejected (with a reason) ────→ draft

Who writes a standard: for one issued by an institution, that institution's administrators and
clerks while it is approved; for one issued by the centre, the centre administrators. Only
drafts are edited. Editing an approved standard (or asking for a new version) makes version
n+1 as a draft; the approved version stays published until the new one is approved, and is
then retired in the same transaction. A centre administrator decides on a submitted standard
and is never one of its authors (maker-checker), nor a member of the issuing institution's staff.
"""

import re
import unicodedata
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.access import require_centre_admin
from accounts.models import Institution, InstitutionStaff
from accounts.roles import CENTRE_ADMIN
from accounts.services.notices import notice_language, notice_send
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..access import (
    STANDARD_WRITER_ROLES,
    can_write,
    is_author,
    open_version_exists,
    writable_institutions,
)
from ..credits import credit_check
from ..models import AchievementCategory, QualificationLevel, UnitStandard

Status = UnitStandard.Status

# action → (statuses it may start from, status it leads to)
STANDARD_TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "submit": (frozenset({Status.DRAFT}), Status.SUBMITTED),
    "approve": (frozenset({Status.SUBMITTED}), Status.APPROVED),
    "reject": (frozenset({Status.SUBMITTED}), Status.DRAFT),
    "retire": (frozenset({Status.APPROVED}), Status.RETIRED),
}
EDITABLE = frozenset({Status.DRAFT})

CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9.\-]{1,31}$")
CODE_MAX = UnitStandard._meta.get_field("code").max_length
NAME_MAX = UnitStandard._meta.get_field("name").max_length
FIELD_MAX = UnitStandard._meta.get_field("field").max_length
OUTCOMES_MAX = UnitStandard._meta.get_field("outcomes").max_length
REASON_MAX = UnitStandard._meta.get_field("decision_reason").max_length
CONTENT_FIELDS = ("code", "name", "field", "level", "credit_value", "outcomes")


def normalise_code(value: str) -> str:
    """``cq-it 001`` → ``CQ-IT001``: full-width characters made ASCII, spaces dropped, capitals."""
    return "".join(unicodedata.normalize("NFKC", value).split()).upper()


def _require_writer(acting_user, standard: UnitStandard) -> None:
    if not can_write(acting_user, standard):
        raise NotAllowed(
            _("Only the issuer's administrators and clerks may change this unit standard."),
            code="not_allowed",
        )
    institution = standard.issuing_institution
    if institution is not None and institution.status != Institution.Status.APPROVED:
        raise IllegalTransition(
            _("%(name)s is not approved at present, so its unit standards cannot be changed.")
            % {"name": institution.name},
            code="institution_not_approved",
        )


def _lock(standard: UnitStandard) -> UnitStandard:
    return (
        UnitStandard.objects.select_for_update(of=("self",))
        .select_related("issuing_institution", "level")
        .get(pk=standard.pk)
    )


# --- Content checks --------------------------------------------------------------------------


def _check_content(*, code: str, name: str, field: str, level, credit_value, outcomes: str) -> dict:
    """The content of a standard, checked and normalised; a ``ServiceError`` names the field."""
    code = normalise_code(code)
    if not CODE_PATTERN.match(code):
        raise InvalidInput(
            _(
                "Use 2 to 32 capital letters, digits, hyphens and dots, starting with a letter or "
                "digit, e.g. CQ-IT-0001."
            ),
            field="code",
            code="invalid_code",
        )
    checked = {
        "code": code,
        "name": clean_text(name, field="name", max_length=NAME_MAX),
        "field": clean_text(field, field="field", max_length=FIELD_MAX),
        "outcomes": clean_text(
            outcomes, field="outcomes", max_length=OUTCOMES_MAX, required=False, multiline=True
        ),
    }
    if not isinstance(level, QualificationLevel) or not level.is_active:
        raise InvalidInput(_("Choose a level that is in use."), field="level", code="level")
    checked["level"] = level
    checked["credit_value"] = credit_check(credit_value, field="credit_value")
    return checked


def _summary(standard: UnitStandard) -> dict:
    return {
        "code": standard.code,
        "version": standard.version,
        "name": standard.name,
        "field": standard.field,
        "level": standard.level.number,
        "credit_value": str(standard.credit_value),
        "outcomes_chars": len(standard.outcomes),
        "issuer": standard.issuing_institution_id,
        "status": standard.status,
    }


def _code_taken_error() -> InvalidInput:
    return InvalidInput(
        _("This code is already used by another unit standard."), field="code", code="code_taken"
    )


# --- Unit standards --------------------------------------------------------------------------


@transaction.atomic
def unit_standard_create(
    *,
    acting_user,
    institution: Institution | None,
    code: str,
    name: str,
    field: str,
    level: QualificationLevel,
    credit_value: Decimal,
    outcomes: str = "",
) -> UnitStandard:
    """Draft version 1 of a new unit standard.

    ``institution`` is the issuer: an approved institution where ``acting_user`` is an
    administrator or clerk, or ``None`` for the centre (then ``acting_user`` must be a centre
    administrator). The code must not be in use by any standard, in any version. Nothing is
    public until a centre administrator approves it.
    """
    if institution is None:
        require_centre_admin(acting_user)
    else:
        institution = Institution.objects.select_for_update().get(pk=institution.pk)
        if not writable_institutions(acting_user).filter(pk=institution.pk).exists():
            raise NotAllowed(
                _("You may draft unit standards only for an approved institution you work for."),
                field="institution",
                code="not_allowed",
            )
    content = _check_content(
        code=code,
        name=name,
        field=field,
        level=level,
        credit_value=credit_value,
        outcomes=outcomes,
    )
    if UnitStandard.objects.filter(code=content["code"]).exists():
        raise _code_taken_error()
    try:
        with transaction.atomic():  # a concurrent draft with the same code may win
            standard = UnitStandard.objects.create(
                **content,
                issuing_institution=institution,
                status=Status.DRAFT,
                version=1,
                created_by=acting_user,
            )
    except IntegrityError as exc:
        raise _code_taken_error() from exc
    standard.authors.add(acting_user)
    audit_record(
        actor=acting_user,
        action="unit_standard.create",
        target=standard,
        after=_summary(standard),
    )
    return standard


def _new_version_of(acting_user, approved: UnitStandard) -> UnitStandard:
    """Copy the locked, approved ``approved`` into a draft of the next version."""
    if approved.status != Status.APPROVED:
        raise IllegalTransition(
            _("A new version can only be made from the approved version."),
            code="illegal_transition",
        )
    if open_version_exists(approved.code):
        raise IllegalTransition(
            _("A new version of this unit standard is already being drafted or reviewed."),
            code="open_version_exists",
        )
    latest = UnitStandard.objects.filter(code=approved.code).order_by("-version").first()
    try:
        with transaction.atomic():
            draft = UnitStandard.objects.create(
                code=approved.code,
                name=approved.name,
                field=approved.field,
                level=approved.level,
                credit_value=approved.credit_value,
                outcomes=approved.outcomes,
                issuing_institution=approved.issuing_institution,
                status=Status.DRAFT,
                version=latest.version + 1,
                previous_version=approved,
                created_by=acting_user,
            )
    except IntegrityError as exc:
        raise IllegalTransition(
            _("A new version of this unit standard is already being drafted or reviewed."),
            code="open_version_exists",
        ) from exc
    draft.authors.add(acting_user)
    audit_record(
        actor=acting_user,
        action="unit_standard.new_version",
        target=draft,
        before={"from": approved.pk, "version": approved.version},
        after=_summary(draft),
    )
    return draft


@transaction.atomic
def unit_standard_new_version(*, acting_user, standard: UnitStandard) -> UnitStandard:
    """Start version n+1 of an approved standard as a draft copy (its writers only). The
    approved version stays published; only one new version may be open at a time."""
    locked = _lock(standard)
    _require_writer(acting_user, locked)
    return _new_version_of(acting_user, locked)


@transaction.atomic
def unit_standard_update(
    *,
    acting_user,
    standard: UnitStandard,
    code: str,
    name: str,
    field: str,
    level: QualificationLevel,
    credit_value: Decimal,
    outcomes: str = "",
) -> UnitStandard:
    """Change a draft; returns the draft saved.

    On an approved standard the change goes into a new draft version (see
    ``unit_standard_new_version``), which is returned; the approved one is left as it is. A
    submitted standard waits for its decision and a retired one is closed: both are refused.
    The code changes only in a first version that was never approved; versions share it.
    """
    locked = _lock(standard)
    _require_writer(acting_user, locked)
    if locked.status == Status.APPROVED:
        locked = _new_version_of(acting_user, locked)
    elif locked.status not in EDITABLE:
        raise IllegalTransition(
            _("A unit standard that is “%(status)s” cannot be edited.")
            % {"status": locked.get_status_display()},
            code="not_editable",
        )
    content = _check_content(
        code=code,
        name=name,
        field=field,
        level=level,
        credit_value=credit_value,
        outcomes=outcomes,
    )
    if content["code"] != locked.code:
        if locked.version != 1 or locked.previous_version_id is not None:
            raise InvalidInput(
                _("The code stays the same in every version of a unit standard."),
                field="code",
                code="code_fixed",
            )
        if UnitStandard.objects.filter(code=content["code"]).exclude(pk=locked.pk).exists():
            raise _code_taken_error()
    if any(getattr(locked, key) != value for key, value in content.items()):
        before = _summary(locked)
        for key, value in content.items():
            setattr(locked, key, value)
        after = _summary(locked)
        changed = [k for k in after if before[k] != after[k]] or ["outcomes_chars"]
        try:
            with transaction.atomic():
                locked.save(update_fields=[*CONTENT_FIELDS, "updated_at"])
        except IntegrityError as exc:
            raise _code_taken_error() from exc
        locked.authors.add(acting_user)
        audit_record(
            actor=acting_user,
            action="unit_standard.update",
            target=locked,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
        )
    return locked


def _check_from(locked: UnitStandard, action: str) -> None:
    if locked.status not in STANDARD_TRANSITIONS[action][0]:
        raise IllegalTransition(
            _("A unit standard that is “%(status)s” cannot be changed this way.")
            % {"status": locked.get_status_display()},
            code="illegal_transition",
        )


def _move(acting_user, locked: UnitStandard, action: str, **extra) -> UnitStandard:
    _check_from(locked, action)
    target = STANDARD_TRANSITIONS[action][1]
    before = {"status": locked.status}
    locked.status = target
    fields = ["status", "updated_at"]
    for name, value in extra.items():
        setattr(locked, name, value)
        fields.append(name)
    locked.save(update_fields=fields)
    after = {"status": target}
    if extra.get("decision_reason"):
        after["reason"] = extra["decision_reason"]
    audit_record(
        actor=acting_user,
        action=f"unit_standard.{action}",
        target=locked,
        before=before,
        after=after,
    )
    return locked


@transaction.atomic
def unit_standard_submit(*, acting_user, standard: UnitStandard) -> UnitStandard:
    """Send a draft to the centre for a decision (its writers only). A returned draft may be
    submitted again; the earlier reason stays visible until the next decision."""
    locked = _lock(standard)
    _require_writer(acting_user, locked)
    return _move(acting_user, locked, "submit", submitted_at=timezone.now())


def _check_reason(reason: str, *, required: bool) -> str:
    reason = " ".join(reason.split())
    if required and not reason:
        raise InvalidInput(
            _("Please give the reason; the issuer will see it."),
            field="reason",
            code="reason_required",
        )
    if len(reason) > REASON_MAX:
        raise InvalidInput(
            _("At most %(max)d characters, please.") % {"max": REASON_MAX},
            field="reason",
            code="max_length",
        )
    return reason


@transaction.atomic
def unit_standard_decide(
    *, acting_user, standard: UnitStandard, decision: str, reason: str = ""
) -> UnitStandard:
    """A centre administrator approves or rejects (back to draft, with a reason) a submitted
    standard.

    Refused, changing nothing: anyone who is not a centre administrator, any author of this
    version (maker-checker), staff of the issuing institution, and a standard that is not
    submitted. Approving version n+1 retires the version it replaces, in the same transaction.
    """
    if decision not in ("approve", "reject"):
        raise InvalidInput(_("Unknown decision."), field="decision", code="unknown_decision")
    require_centre_admin(acting_user)
    reason = _check_reason(reason, required=decision == "reject")
    locked = _lock(standard)
    if is_author(acting_user, locked):
        raise NotAllowed(
            _(
                "You wrote this version of the unit standard, so another centre administrator "
                "must decide on it."
            ),
            code="own_standard",
        )
    if (
        locked.issuing_institution_id is not None
        and InstitutionStaff.objects.filter(
            institution_id=locked.issuing_institution_id, user=acting_user
        ).exists()
    ):
        raise NotAllowed(
            _("You work for the issuing institution, so another centre administrator must decide."),
            code="own_institution",
        )
    _check_from(locked, decision)
    if decision == "approve":
        institution = locked.issuing_institution
        if institution is not None and institution.status != Institution.Status.APPROVED:
            raise IllegalTransition(
                _("%(name)s is not approved at present; its standards cannot be approved.")
                % {"name": institution.name},
                code="institution_not_approved",
            )
        replaced = (
            UnitStandard.objects.select_for_update()
            .filter(code=locked.code, status=Status.APPROVED)
            .exclude(pk=locked.pk)
            .first()
        )
        if replaced is not None:
            replaced.status = Status.RETIRED
            replaced.save(update_fields=["status", "updated_at"])
            audit_record(
                actor=acting_user,
                action="unit_standard.retire",
                target=replaced,
                before={"status": Status.APPROVED},
                after={"status": Status.RETIRED, "replaced_by_version": locked.version},
            )
    decided = _move(
        acting_user,
        locked,
        decision,
        decided_by=acting_user,
        decided_at=timezone.now(),
        decision_reason=reason,
    )
    _decision_notice(decided, decision)
    return decided


def _decision_notice(standard: UnitStandard, decision: str) -> None:
    """Tell the issuer that the centre approved or returned ``standard`` (with the reason),
    linking to its management page: the version's authors who still manage it, and, for an
    institution's standard, that institution's administrators and clerks (who may submit it)."""
    authors = {*standard.authors.values_list("pk", flat=True), standard.created_by_id}
    users = get_user_model().objects.order_by("pk")
    if standard.issuing_institution_id is None:
        users = users.filter(pk__in=authors, role_grants__role=CENTRE_ADMIN)
    else:
        users = users.filter(
            Q(pk__in=authors) | Q(institution_roles__role__in=STANDARD_WRITER_ROLES),
            institution_roles__institution_id=standard.issuing_institution_id,
        )
    names = {"code": standard.code, "version": standard.version, "name": standard.name}
    with notice_language():
        if decision == "approve":
            title = _("Unit standard %(code)s is approved") % names
            body = _("Version %(version)s of %(code)s %(name)s is approved and published.") % names
        else:
            title = _("Unit standard %(code)s was returned") % names
            body = (
                _(
                    "Version %(version)s of %(code)s %(name)s was returned to you as a draft. "
                    "Change it and submit it again."
                )
                % names
            )
        if standard.decision_reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": standard.decision_reason}
    link = reverse("achievements:standard_manage_detail", args=[standard.pk])
    for user in users.distinct():
        notice_send(user=user, title=title, body=body, link=link)


def unit_standard_approve(*, acting_user, standard: UnitStandard) -> UnitStandard:
    """Approve a submitted standard (``submitted → approved``); see ``unit_standard_decide``."""
    return unit_standard_decide(acting_user=acting_user, standard=standard, decision="approve")


def unit_standard_reject(*, acting_user, standard: UnitStandard, reason: str) -> UnitStandard:
    """Return a submitted standard to its issuer as a draft, with a reason."""
    return unit_standard_decide(
        acting_user=acting_user, standard=standard, decision="reject", reason=reason
    )


@transaction.atomic
def unit_standard_retire(*, acting_user, standard: UnitStandard, reason: str) -> UnitStandard:
    """A centre administrator withdraws an approved standard from use, with a reason. It stays
    readable (achievements recognised against it keep their reference) but is no longer listed
    and cannot be matched to new achievements."""
    require_centre_admin(acting_user)
    reason = _check_reason(reason, required=True)
    locked = _lock(standard)
    return _move(
        acting_user,
        locked,
        "retire",
        decided_by=acting_user,
        decided_at=timezone.now(),
        decision_reason=reason,
    )


# --- Levels and categories -------------------------------------------------------------------


def _reference_update(acting_user, obj, action: str, values: dict):
    require_centre_admin(acting_user)
    locked = type(obj).objects.select_for_update().get(pk=obj.pk)
    before = {k: getattr(locked, k) for k in values}
    changed = [k for k, v in values.items() if before[k] != v]
    if changed:
        for key in changed:
            setattr(locked, key, values[key])
        locked.save(update_fields=changed)

        def short(value):
            return len(value) if isinstance(value, str) and len(value) > 80 else value

        audit_record(
            actor=acting_user,
            action=action,
            target=locked,
            before={k: short(before[k]) for k in changed},
            after={k: short(values[k]) for k in changed},
        )
    return locked


@transaction.atomic
def qualification_level_update(
    *,
    acting_user,
    level: QualificationLevel,
    name_zh: str,
    name_en: str,
    descriptor_zh: str,
    descriptor_en: str,
    is_active: bool,
) -> QualificationLevel:
    """A centre administrator changes a level's names, descriptors or whether it is in use.
    Its code and number stay: standards and credits are stated at them. A level taken out of
    use keeps its standards but is not offered for new ones. Long texts are audited by length."""
    values = {
        "name_zh": clean_text(name_zh, field="name_zh", max_length=60),
        "name_en": clean_text(name_en, field="name_en", max_length=60),
        "descriptor_zh": clean_text(
            descriptor_zh, field="descriptor_zh", max_length=2000, multiline=True
        ),
        "descriptor_en": clean_text(
            descriptor_en, field="descriptor_en", max_length=2000, multiline=True
        ),
        "is_active": bool(is_active),
    }
    return _reference_update(acting_user, level, "qualification_level.update", values)


@transaction.atomic
def achievement_category_update(
    *,
    acting_user,
    category: AchievementCategory,
    name_zh: str,
    name_en: str,
    evidence_zh: str,
    evidence_en: str,
    validity_years: int | None,
    is_active: bool,
) -> AchievementCategory:
    """A centre administrator changes a category's names, the evidence it needs, its default
    validity (``None``: never expires; else 1–100 years) or whether it is in use."""
    if validity_years is not None and not 1 <= validity_years <= 100:
        raise InvalidInput(
            _("Give a whole number of years from 1 to 100, or leave it empty."),
            field="validity_years",
            code="validity_years",
        )
    values = {
        "name_zh": clean_text(name_zh, field="name_zh", max_length=60),
        "name_en": clean_text(name_en, field="name_en", max_length=60),
        "evidence_zh": clean_text(
            evidence_zh, field="evidence_zh", max_length=2000, multiline=True
        ),
        "evidence_en": clean_text(
            evidence_en, field="evidence_en", max_length=2000, multiline=True
        ),
        "validity_years": validity_years,
        "is_active": bool(is_active),
    }
    return _reference_update(acting_user, category, "achievement_category.update", values)
