"""Deposit (存储): learners, and institutions' clerks for them, deposit learning achievements with
evidence; while nothing has been reviewed the learner may still change or delete a deposit.

The achievement state machine is in ``workflow``.

While ``deposited`` the learner edits the facts, adds and removes evidence, or deletes the
deposit (never reviewed, so nothing depends on it). While ``returned`` they add and remove
evidence to answer the reviewer. Evidence is PDF, JPEG or PNG, told by its first bytes (never by
its name or the browser's content type), at most ``CREDITBANK_EVIDENCE_MAX_FILE`` bytes per file
and ``CREDITBANK_EVIDENCE_MAX_TOTAL`` bytes per learner; it is stored under a server-made name.
"""

import hashlib
import unicodedata
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Institution, LearnerAccount
from accounts.roles import INSTITUTION_CLERK, LEARNER
from accounts.services.notices import notice_language, notice_send
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.files import detect_document_kind
from creditbank.text import clean_text

from ..access import clerk_institutions
from ..credits import credit_check
from ..models import Achievement, AchievementCategory, Evidence
from .workflow import EVIDENCE_OPEN, history_add, lock, require_status

Status = Achievement.Status
ResultKind = Achievement.ResultKind

TITLE_MAX = Achievement._meta.get_field("title").max_length
ISSUER_NAME_MAX = Achievement._meta.get_field("issuer_name").max_length
CERTIFICATE_MAX = Achievement._meta.get_field("certificate_number").max_length
ORIGINAL_NAME_MAX = Evidence._meta.get_field("original_name").max_length
HOURS_MAX = Decimal("999999.9")


# --- Evidence files ------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckedFile:
    upload: object
    kind: str
    size: int
    sha256: str
    original_name: str


def evidence_check(upload) -> CheckedFile:
    """Check one uploaded file by its content and size; read nothing else about it."""
    name = str(getattr(upload, "name", "") or "")
    display = display_name(name)
    size = upload.size or 0
    if size == 0:
        raise InvalidInput(
            _("“%(name)s” is empty.") % {"name": display}, field="files", code="empty"
        )
    limit = settings.CREDITBANK_EVIDENCE_MAX_FILE
    if size > limit:
        raise InvalidInput(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": display, "limit": filesizeformat(limit)},
            field="files",
            code="too_large",
        )
    upload.seek(0)
    kind = detect_document_kind(upload.read(8))
    if kind is None:
        raise InvalidInput(
            _("“%(name)s” is not a PDF, JPEG or PNG file. Only these are accepted.")
            % {"name": display},
            field="files",
            code="file_type",
        )
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return CheckedFile(upload, kind, size, digest.hexdigest(), display)


def display_name(name: str, *, max_length: int = ORIGINAL_NAME_MAX) -> str:
    """The sender's file name, for display only: no path, no control characters, at most
    ``max_length`` characters (an evidence file's or a result batch's)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return " ".join(name.split())[:max_length]


def evidence_used(account: LearnerAccount) -> int:
    """Bytes of evidence stored for ``account``, over all its achievements."""
    total = Evidence.objects.filter(achievement__account=account).aggregate(total=Sum("size"))
    return total["total"] or 0


def _check_quota(account: LearnerAccount, files: list[CheckedFile]) -> None:
    """Within the per-learner total. The caller holds the account row locked, so two uploads
    for one learner are counted one after the other."""
    limit = settings.CREDITBANK_EVIDENCE_MAX_TOTAL
    used = evidence_used(account)
    if used + sum(f.size for f in files) > limit:
        raise InvalidInput(
            _(
                "These files would take the evidence stored for this learning account over "
                "%(limit)s; %(left)s is left. Remove some evidence or send smaller files."
            )
            % {"limit": filesizeformat(limit), "left": filesizeformat(max(limit - used, 0))},
            field="files",
            code="quota",
        )


def _store(acting_user, achievement: Achievement, files: list[CheckedFile]) -> list[Evidence]:
    """Write the checked files. If anything fails, the files already written are removed."""
    stored = []
    try:
        for checked in files:
            evidence = Evidence(
                achievement=achievement,
                kind=checked.kind,
                size=checked.size,
                sha256=checked.sha256,
                original_name=checked.original_name,
                uploaded_by=acting_user,
            )
            # upload_to makes the name; the sender's name is not passed on.
            evidence.file.save("upload", checked.upload, save=False)
            stored.append(evidence)
            evidence.save(force_insert=True)
    except BaseException:
        for evidence in stored:
            evidence.file.storage.delete(evidence.file.name)
        raise
    return stored


def _delete_files_on_commit(names: list[str]) -> None:
    storage = Evidence._meta.get_field("file").storage

    def delete():
        for name in names:
            storage.delete(name)

    transaction.on_commit(delete)


# --- The facts of an achievement -------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AchievementFacts:
    """What the depositor states about an achievement, as a deposit and an edit take it (the
    deposit form's ``facts()`` makes one). The services check and normalise it; the fields are
    the ``Achievement`` columns of the same names."""

    category: AchievementCategory
    title: str
    obtained_on: date
    result_kind: str
    result_value: str
    issuer_institution: Institution | None = None
    issuer_name: str = ""
    hours: Decimal | None = None
    original_credits: Decimal | None = None
    certificate_number: str = ""

    def columns(self) -> dict:
        """The facts as ``Achievement`` column values."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _decimal(value, *, field: str, places: str, maximum: Decimal) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if (
        number is None
        or not number.is_finite()
        or number < 0
        or number > maximum
        or number != number.quantize(Decimal(places))
    ):
        raise InvalidInput(
            _("Give a number from 0 to %(max)s, with at most %(places)d decimal places.")
            % {"max": maximum, "places": len(places.split(".")[1])},
            field=field,
            code="number",
        )
    return number


def _result(kind: str, value) -> str:
    if kind == ResultKind.SCORE:
        try:
            score = Decimal(str(value).strip())
        except InvalidOperation:
            score = None
        if (
            score is None
            or not score.is_finite()
            or not 0 <= score <= 100
            or score != score.quantize(Decimal("0.01"))
        ):
            raise InvalidInput(
                _("A score is a number from 0 to 100, with at most two decimal places."),
                field="result_value",
                code="score",
            )
        return f"{score.quantize(Decimal('0.01'))}"
    if kind == ResultKind.GRADE:
        if value not in Achievement.Grade.values:
            raise InvalidInput(_("Choose a grade."), field="result_value", code="grade")
        return value
    if kind == ResultKind.PASS:
        if value not in Achievement.PassResult.values:
            raise InvalidInput(
                _("Choose passed or failed."), field="result_value", code="pass_result"
            )
        return value
    raise InvalidInput(_("Choose the type of result."), field="result_kind", code="result_kind")


def _check_facts(account: LearnerAccount, facts: AchievementFacts) -> AchievementFacts:
    """``facts`` checked and normalised; a ``ServiceError`` names the field."""
    category, issuer_institution = facts.category, facts.issuer_institution
    if not isinstance(category, AchievementCategory) or not category.is_active:
        raise InvalidInput(_("Choose a category that is in use."), field="category")
    issuer_name = clean_text(
        facts.issuer_name, field="issuer_name", max_length=ISSUER_NAME_MAX, required=False
    )
    if (issuer_institution is None) == (not issuer_name):
        raise InvalidInput(
            _("Choose the issuing institution from the list, or type its name — one of the two."),
            field="issuer_name",
            code="issuer",
        )
    if issuer_institution is not None and issuer_institution.status != Institution.Status.APPROVED:
        raise InvalidInput(_("Choose an institution that is approved."), field="issuer_institution")
    obtained_on = facts.obtained_on
    if not isinstance(obtained_on, date):
        raise InvalidInput(_("Enter a valid date."), field="obtained_on", code="date")
    if obtained_on > timezone.localdate():
        raise InvalidInput(
            _("The date obtained cannot be in the future."), field="obtained_on", code="future"
        )
    if account.birth_date and obtained_on < account.birth_date:
        raise InvalidInput(
            _("The date obtained cannot be before the learner's date of birth."),
            field="obtained_on",
            code="before_birth",
        )
    title = clean_text(facts.title, field="title", max_length=TITLE_MAX)
    result_value = _result(facts.result_kind, facts.result_value)
    hours = _decimal(facts.hours, field="hours", places="0.1", maximum=HOURS_MAX)
    original_credits = facts.original_credits
    if original_credits in (None, ""):
        original_credits = None
    else:  # the issuer's credits may be none at all
        original_credits = credit_check(
            original_credits, field="original_credits", minimum=Decimal(0)
        )
    certificate = unicodedata.normalize("NFKC", str(facts.certificate_number or ""))
    return replace(
        facts,
        title=title,
        issuer_name=issuer_name,
        result_value=result_value,
        hours=hours,
        original_credits=original_credits,
        certificate_number=clean_text(
            certificate, field="certificate_number", max_length=CERTIFICATE_MAX, required=False
        ),
    )


def _duplicate_error() -> InvalidInput:
    return InvalidInput(
        _("An achievement with this certificate number from this issuer is already deposited."),
        field="certificate_number",
        code="duplicate_certificate",
    )


def _check_duplicate(facts: AchievementFacts, *, exclude_pk: int | None = None) -> None:
    if not facts.certificate_number:
        return
    same = Achievement.objects.filter(certificate_number=facts.certificate_number)
    if facts.issuer_institution is not None:
        same = same.filter(issuer_institution=facts.issuer_institution)
    else:
        same = same.filter(issuer_institution__isnull=True, issuer_name__iexact=facts.issuer_name)
    if same.exclude(pk=exclude_pk).exists():
        raise _duplicate_error()


def _summary(achievement: Achievement) -> dict:
    return {
        "account": achievement.account_id,
        "category": achievement.category.code,
        "title": achievement.title,
        "issuer_institution": achievement.issuer_institution_id,
        "issuer_name": achievement.issuer_name,
        "obtained_on": achievement.obtained_on.isoformat(),
        "result": f"{achievement.result_kind}:{achievement.result_value}",
        "hours": None if achievement.hours is None else str(achievement.hours),
        "original_credits": None
        if achievement.original_credits is None
        else str(achievement.original_credits),
        "certificate_number": achievement.certificate_number,
        "status": achievement.status,
    }


def _evidence_summary(evidence: Evidence) -> dict:
    return {
        "achievement": evidence.achievement_id,
        "kind": evidence.kind,
        "size": evidence.size,
        "sha256": evidence.sha256,
        "name": evidence.original_name,
    }


def _require_active(account: LearnerAccount) -> None:
    if account.status != LearnerAccount.Status.ACTIVE:
        messages = {
            LearnerAccount.Status.PENDING_VERIFICATION: _(
                "This learning account is waiting for real-name verification; achievements can "
                "be deposited once it is verified."
            ),
            LearnerAccount.Status.RETURNED: _(
                "This learning account waits for a new photo of the ID; achievements can be "
                "deposited once it is verified."
            ),
            LearnerAccount.Status.FROZEN: _(
                "This learning account is frozen; achievements cannot be deposited now."
            ),
            LearnerAccount.Status.CLOSED: _("This learning account is closed."),
        }
        raise IllegalTransition(
            messages.get(account.status, _("This learning account is not active.")),
            code="account_not_active",
        )


def _require_owner(acting_user, achievement: Achievement) -> None:
    if achievement.account.user_id != acting_user.pk:
        raise NotAllowed(
            _("Only the learner who holds this achievement may change it."), code="not_allowed"
        )


def _check_files(files) -> list[CheckedFile]:
    return [evidence_check(upload) for upload in files or []]


# --- Services ---------------------------------------------------------------------------------


@transaction.atomic
def achievement_deposit(
    *, acting_user, account: LearnerAccount, facts: AchievementFacts, files=()
) -> Achievement:
    """Deposit an achievement (``facts``) with its evidence (at least one file) in ``account``.

    Depositors: the account's owner, or a clerk of an approved institution for an achievement
    that institution issued (the learner then gets a notice). The account must be active. The
    same certificate number from the same issuer is refused, also when a concurrent deposit
    wins the race. Nothing is written — no row, no file — when anything is refused.
    """
    account = LearnerAccount.objects.select_for_update().get(pk=account.pk)
    by_clerk = account.user_id != acting_user.pk
    issuer_institution = facts.issuer_institution
    if by_clerk and (
        issuer_institution is None
        or not clerk_institutions(acting_user).filter(pk=issuer_institution.pk).exists()
    ):
        raise NotAllowed(
            _("A clerk may deposit only achievements issued by their own approved institution."),
            field="issuer_institution",
            code="not_allowed",
        )
    _require_active(account)
    facts = _check_facts(account, facts)
    checked = _check_files(files)
    if not checked:
        raise InvalidInput(
            _("Attach at least one evidence file (PDF, JPEG or PNG)."),
            field="files",
            code="required",
        )
    _check_duplicate(facts)
    _check_quota(account, checked)
    try:
        with transaction.atomic():  # a concurrent deposit of the same certificate may win
            achievement = Achievement.objects.create(
                account=account,
                deposited_by=acting_user,
                status=Status.DEPOSITED,
                **facts.columns(),
            )
    except IntegrityError as exc:
        raise _duplicate_error() from exc
    stored = _store(acting_user, achievement, checked)
    history_add(
        achievement,
        action="deposit",
        actor=acting_user,
        role=INSTITUTION_CLERK if by_clerk else LEARNER,
        unit=issuer_institution.name if by_clerk else "",
    )
    audit_record(
        actor=acting_user,
        action="achievement.deposit",
        target=achievement,
        after={**_summary(achievement), "evidence": [_evidence_summary(e) for e in stored]},
    )
    if by_clerk:
        with notice_language():  # the learner's, not the clerk's
            title = _("%(institution)s deposited an achievement for you") % {
                "institution": issuer_institution.name
            }
            body = _("“%(title)s” is now in your learning account as deposited.") % {
                "title": achievement.title
            }
        notice_send(
            user=account.user,
            title=title,
            body=body,
            link=reverse("achievements:achievement_detail", args=[achievement.pk]),
        )
    return achievement


@transaction.atomic
def achievement_update(
    *, acting_user, achievement: Achievement, facts: AchievementFacts
) -> Achievement:
    """The learner corrects the facts of a deposit that nobody has reviewed yet
    (``deposited`` only), replacing them with ``facts``. Only the fields that changed are
    audited."""
    locked = lock(achievement)
    _require_owner(acting_user, locked)
    require_status(locked, "update")
    facts = _check_facts(locked.account, facts)
    _check_duplicate(facts, exclude_pk=locked.pk)
    before = _summary(locked)
    columns = facts.columns()
    for key, value in columns.items():
        setattr(locked, key, value)
    after = _summary(locked)
    changed = [key for key in after if before[key] != after[key]]
    if not changed:
        return locked
    try:
        with transaction.atomic():
            locked.save(update_fields=[*columns, "updated_at"])
    except IntegrityError as exc:
        raise _duplicate_error() from exc
    audit_record(
        actor=acting_user,
        action="achievement.update",
        target=locked,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return locked


@transaction.atomic
def achievement_delete(*, acting_user, achievement: Achievement) -> None:
    """The learner deletes a deposit that was never reviewed (``deposited`` only), with its
    evidence; the files go once the deletion is committed. The audit event keeps the facts."""
    locked = lock(achievement)
    _require_owner(acting_user, locked)
    require_status(locked, "delete")
    evidence = list(locked.evidence.all())
    before = {**_summary(locked), "evidence": [_evidence_summary(e) for e in evidence]}
    pk = locked.pk
    locked.delete()
    audit_record(
        actor=acting_user,
        action="achievement.delete",
        object_type=Achievement._meta.label_lower,
        object_id=pk,
        before=before,
    )
    _delete_files_on_commit([e.file.name for e in evidence])


@transaction.atomic
def evidence_add(*, acting_user, achievement: Achievement, files) -> list[Evidence]:
    """The learner adds evidence files while the achievement is deposited or returned. The
    learning account is locked while the total is counted, so concurrent uploads cannot pass
    the per-learner limit together."""
    locked = lock(achievement)
    _require_owner(acting_user, locked)
    require_status(locked, EVIDENCE_OPEN)
    checked = _check_files(files)
    if not checked:
        raise InvalidInput(_("Choose at least one file."), field="files", code="required")
    account = LearnerAccount.objects.select_for_update().get(pk=locked.account_id)
    _check_quota(account, checked)
    stored = _store(acting_user, locked, checked)
    audit_record(
        actor=acting_user,
        action="evidence.add",
        target=locked,
        after={"evidence": [_evidence_summary(e) for e in stored]},
    )
    return stored


@transaction.atomic
def evidence_remove(*, acting_user, evidence: Evidence) -> None:
    """The learner removes one evidence file while the achievement is deposited or returned;
    a deposited achievement keeps at least one file."""
    locked = lock(evidence.achievement)
    _require_owner(acting_user, locked)
    require_status(locked, EVIDENCE_OPEN)
    evidence = Evidence.objects.select_for_update().get(pk=evidence.pk, achievement=locked)
    if locked.evidence.count() <= 1:
        raise IllegalTransition(
            _("An achievement keeps at least one evidence file; add the new one first."),
            code="last_evidence",
        )
    before = _evidence_summary(evidence)
    name = evidence.file.name
    pk = evidence.pk
    evidence.delete()
    audit_record(
        actor=acting_user,
        action="evidence.remove",
        object_type=Evidence._meta.label_lower,
        object_id=pk,
        before=before,
    )
    _delete_files_on_commit([name])
