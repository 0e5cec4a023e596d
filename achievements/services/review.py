"""Recognition (认定): the tiered review of a deposited achievement, and what happens to the
credits of a recognised one. The state machine is in ``workflow``; the steps' names are the
glossary in ``achievements.models.recognition``.

Who acts, and in which capacity (``achievements.access.capacity``):

- the learner who holds the achievement submits it, answers a return and appeals a rejection;
- the first check (初审): branch staff of the branch that received it (the learner's home
  branch) or a clerk of the issuing institution, while that institution is an active member of
  the alliance; they forward it or return it to the learner asking for more;
- the decision (认定): a reviewer of the issuing member institution, or an expert; it matches a
  unit standard or states a credit value, level and field — or rejects it with a reason;
- a recognition of more than ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` credits waits for a
  centre administrator's re-review (复核), never by the person who decided (maker-checker);
- an appeal (申诉) of a rejection, within ``CREDITBANK_APPEAL_DAYS`` and once, is decided by
  an expert who took no part in the review so far;
- a centre administrator revokes a recognition (fraud found); the daily job expires those whose
  validity ended. Both take the credits off the ledger with an entry that cancels the deposit.

Nobody acts as staff on an achievement of their own. Each service locks the achievement, checks
the status it starts from and the actor's capacity, and records the step (history, audit event,
notice to the learner) in one transaction; of two concurrent steps, exactly one succeeds.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import LearnerAccount
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text

from ..access import Capacity, appeal_deadline, capacity, pending_decision
from ..credits import credit_check
from ..models import (
    Achievement,
    CreditEntry,
    QualificationLevel,
    Recognition,
    UnitStandard,
)
from .ledger import ledger_cancel, ledger_deposit
from .proof import documents_revoke_for_achievement
from .workflow import lock, record_step, require_status

Status = Achievement.Status
Stage = Recognition.Stage

NOTE_MAX = 1000
FIELD_MAX = Recognition._meta.get_field("field").max_length


def _require_capacity(user, achievement: Achievement, action: str) -> Capacity:
    found = capacity(user, achievement, action)
    if found is None:
        raise NotAllowed(_("You may not take this step on this achievement."), code="not_allowed")
    return found


def _start(acting_user, achievement: Achievement, action: str) -> tuple[Achievement, Capacity]:
    """Lock the achievement, then check the status it is in and the actor's capacity."""
    locked = lock(achievement)
    require_status(locked, action)
    return locked, _require_capacity(acting_user, locked, action)


def _require_active_account(account: LearnerAccount) -> None:
    if account.status != LearnerAccount.Status.ACTIVE:
        raise IllegalTransition(
            _("This learning account is not active, so it cannot apply for anything now."),
            code="account_not_active",
        )


# --- The learner ------------------------------------------------------------------------------


@transaction.atomic
def achievement_submit(*, acting_user, achievement: Achievement) -> Achievement:
    """The learner applies for recognition of a deposit. It goes to the first check at the
    learner's home branch (and, for a member institution's own outcome, its clerks)."""
    locked, cap = _start(acting_user, achievement, "submit")
    _require_active_account(locked.account)
    home = getattr(locked.account, "home", None)
    if home is None:
        raise IllegalTransition(
            _(
                "Your learning account has no home branch to check the application. "
                "Please ask any service point for help."
            ),
            code="no_branch",
        )
    locked.first_check_branch_id = home.branch_id
    record_step(
        locked,
        action="submit",
        actor=acting_user,
        role=cap.role,
        fields=("first_check_branch",),
        # The audit chain has always called it ``review_branch``; its events keep the key.
        audit={"review_branch": home.branch_id},
        notice=lambda: (
            _("Your application for recognition was received"),
            _("“%(title)s” is waiting for its first check at the branch centre.")
            % {"title": locked.title},
        ),
    )
    return locked


@transaction.atomic
def achievement_resubmit(*, acting_user, achievement: Achievement, answer: str) -> Achievement:
    """The learner answers a return (after adding evidence if asked); it goes back to the
    first check."""
    locked, cap = _start(acting_user, achievement, "resubmit")
    _require_active_account(locked.account)
    answer = clean_text(answer, field="answer", max_length=NOTE_MAX, multiline=True)
    record_step(
        locked,
        action="resubmit",
        actor=acting_user,
        role=cap.role,
        note=answer,
        notice=lambda: (
            _("Your answer was sent"),
            _("“%(title)s” is back with the branch centre for its first check.")
            % {"title": locked.title},
        ),
    )
    return locked


@transaction.atomic
def achievement_appeal(*, acting_user, achievement: Achievement, statement: str) -> Achievement:
    """The learner appeals a rejection (申诉) with a statement, within the appeal period
    and once; an expert who took no part in the review decides."""
    locked, cap = _start(acting_user, achievement, "appeal")
    _require_active_account(locked.account)
    deadline = appeal_deadline(locked)
    if deadline is None:
        raise IllegalTransition(
            _("This decision was made on appeal; it cannot be appealed again."),
            code="appeal_used",
        )
    if timezone.localdate() > deadline:
        raise IllegalTransition(
            _("The appeal period ended on %(date)s.") % {"date": date_format(deadline)},
            code="appeal_late",
        )
    statement = clean_text(statement, field="statement", max_length=2000, multiline=True)
    record_step(
        locked,
        action="appeal",
        actor=acting_user,
        role=cap.role,
        note=statement,
        notice=lambda: (
            _("Your appeal was received"),
            _("An expert who took no part in the first decision will decide on “%(title)s”.")
            % {"title": locked.title},
        ),
    )
    return locked


# --- The first check --------------------------------------------------------------------------


@transaction.atomic
def achievement_forward(*, acting_user, achievement: Achievement, note: str = "") -> Achievement:
    """The first check found the evidence complete and authentic: forward it for a decision."""
    locked, cap = _start(acting_user, achievement, "forward")
    record_step(
        locked,
        action="forward",
        actor=acting_user,
        role=cap.role,
        unit=cap.unit,
        note=clean_text(note, field="note", required=False, max_length=300),
        notice=lambda: (
            _("Your achievement passed the first check"),
            _("“%(title)s” was forwarded for a recognition decision.") % {"title": locked.title},
        ),
    )
    return locked


@transaction.atomic
def achievement_return(*, acting_user, achievement: Achievement, message: str) -> Achievement:
    """The first check needs more: return it to the learner saying what is missing."""
    locked, cap = _start(acting_user, achievement, "return")
    message = clean_text(message, field="message", max_length=NOTE_MAX, multiline=True)
    record_step(
        locked,
        action="return",
        actor=acting_user,
        role=cap.role,
        unit=cap.unit,
        note=message,
        notice=lambda: (
            _("More information is needed"),
            _("“%(title)s” was returned to you: %(message)s")
            % {"title": locked.title, "message": message},
        ),
    )
    return locked


# --- The decision -----------------------------------------------------------------------------


def add_years(day: date, years: int) -> date:
    """``day`` ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def valid_until(achievement: Achievement) -> date | None:
    """The end of the achievement's validity: its category's period from the date obtained."""
    years = achievement.category.validity_years
    return add_years(achievement.obtained_on, years) if years else None


def _require_still_valid(achievement: Achievement) -> date | None:
    until = valid_until(achievement)
    if until is not None and until <= timezone.localdate():
        raise InvalidInput(
            _(
                "An achievement of this category is valid for %(years)d years; this one's "
                "validity ended on %(date)s, so it cannot be recognised."
            )
            % {"years": achievement.category.validity_years, "date": date_format(until)},
            code="validity_ended",
        )
    return until


def _recognition_facts(
    *, unit_standard, credits, level, field
) -> tuple[UnitStandard | None, Decimal, QualificationLevel, str]:
    """A unit standard (approved) gives credits, level and field; otherwise all three are
    stated."""
    if unit_standard is not None:
        if unit_standard.status != UnitStandard.Status.APPROVED:
            raise InvalidInput(
                _("Choose a unit standard that is approved."),
                field="unit_standard",
                code="standard",
            )
        return unit_standard, unit_standard.credit_value, unit_standard.level, unit_standard.field
    if credits is None or level is None or not str(field or "").strip():
        raise InvalidInput(
            _("Match a unit standard, or state the credits, the level and the field."),
            field="unit_standard",
            code="facts",
        )
    credits = credit_check(credits, field="credits")
    if not isinstance(level, QualificationLevel) or not level.is_active:
        raise InvalidInput(_("Choose a level that is in use."), field="level", code="level")
    return None, credits, level, clean_text(field, field="field", max_length=FIELD_MAX)


def _credit_in(decision: Recognition, achievement: Achievement, acting_user, until) -> None:
    """Make ``decision`` the recognition in force and put its credits on the ledger."""
    achievement.recognition = decision
    achievement.valid_until = until
    ledger_deposit(recognition=decision, acting_user=acting_user)


def _recognised_notice(achievement: Achievement, decision: Recognition) -> tuple[str, str]:
    return (
        _("Your achievement was recognised"),
        _("“%(title)s” was recognised at level %(level)s: %(credits)s credits in %(field)s.")
        % {
            "title": achievement.title,
            "level": decision.level.number,
            "credits": decision.credits,
            "field": decision.field,
        },
    )


@transaction.atomic
def achievement_recognise(
    *,
    acting_user,
    achievement: Achievement,
    unit_standard: UnitStandard | None = None,
    credits: Decimal | None = None,
    level: QualificationLevel | None = None,
    field: str = "",
    note: str = "",
) -> Recognition:
    """Recognise a forwarded (or appealed) achievement: matched to a unit standard, or at a
    stated credit value, level and field. Up to the threshold the credits go on the ledger at
    once; above it the decision waits for a centre re-review by someone else."""
    locked, cap = _start(acting_user, achievement, "recognise")
    standard, credits, level, field = _recognition_facts(
        unit_standard=unit_standard, credits=credits, level=level, field=field
    )
    until = _require_still_valid(locked)
    note = clean_text(note, field="note", required=False, max_length=NOTE_MAX, multiline=True)
    needs_re_review = credits > settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD
    decision = Recognition.objects.create(
        achievement=locked,
        stage=Stage.APPEAL if locked.status == Status.APPEALED else Stage.FIRST,
        outcome=Recognition.Outcome.RECOGNISED,
        status=Recognition.Status.PENDING if needs_re_review else Recognition.Status.IN_FORCE,
        unit_standard=standard,
        credits=credits,
        level=level,
        field=field,
        reason=note,
        decided_by=acting_user,
        decided_as=cap.role,
    )
    facts = {
        "decision": decision.pk,
        "unit_standard": standard.code if standard else None,
        "credits": str(credits),
        "level": level.number,
        "field": field,
    }
    if needs_re_review:
        record_step(
            locked,
            action="recognise",
            actor=acting_user,
            role=cap.role,
            unit=cap.unit,
            note=note,
            status=Status.CONFIRMING,
            audit=facts,
            notice=lambda: (
                _("Your achievement awaits a centre re-review"),
                _(
                    "A decision to recognise “%(title)s” at %(credits)s credits was made; the "
                    "centre re-reviews every decision above %(threshold)s credits."
                )
                % {
                    "title": locked.title,
                    "credits": credits,
                    "threshold": settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD,
                },
            ),
        )
        return decision
    _credit_in(decision, locked, acting_user, until)
    record_step(
        locked,
        action="recognise",
        actor=acting_user,
        role=cap.role,
        unit=cap.unit,
        note=note,
        fields=("recognition", "valid_until"),
        audit=facts,
        notice=lambda: _recognised_notice(locked, decision),
    )
    return decision


@transaction.atomic
def achievement_reject(*, acting_user, achievement: Achievement, reason: str) -> Recognition:
    """Reject a forwarded (or appealed) achievement with a reason the learner reads. A first
    rejection may be appealed within ``CREDITBANK_APPEAL_DAYS``."""
    locked, cap = _start(acting_user, achievement, "reject")
    reason = clean_text(reason, field="reason", max_length=NOTE_MAX, multiline=True)
    stage = Stage.APPEAL if locked.status == Status.APPEALED else Stage.FIRST
    decision = Recognition.objects.create(
        achievement=locked,
        stage=stage,
        outcome=Recognition.Outcome.REJECTED,
        status=Recognition.Status.IN_FORCE,
        reason=reason,
        decided_by=acting_user,
        decided_as=cap.role,
    )

    def notice() -> tuple[str, str]:
        if stage == Stage.FIRST:
            deadline = timezone.localdate() + timedelta(days=settings.CREDITBANK_APPEAL_DAYS)
            body = _(
                "“%(title)s” was not recognised: %(reason)s You may appeal until %(date)s."
            ) % {"title": locked.title, "reason": reason, "date": date_format(deadline)}
        else:
            body = _("Your appeal on “%(title)s” was not upheld: %(reason)s") % {
                "title": locked.title,
                "reason": reason,
            }
        return _("Your achievement was not recognised"), body

    record_step(
        locked,
        action="reject",
        actor=acting_user,
        role=cap.role,
        unit=cap.unit,
        note=reason,
        audit={"decision": decision.pk, "stage": stage},
        notice=notice,
    )
    return decision


# --- The centre re-review (maker-checker) ------------------------------------------------------


def _pending(achievement: Achievement) -> Recognition:
    decision = pending_decision(achievement)
    if decision is None:  # a confirming achievement always has one; the database says so
        raise IllegalTransition(
            _("There is no decision waiting for a re-review."), code="no_decision"
        )
    return (
        Recognition.objects.select_for_update(of=("self",))
        .select_related("level")
        .get(pk=decision.pk)
    )


@transaction.atomic
def recognition_confirm(*, acting_user, achievement: Achievement, note: str = "") -> Recognition:
    """A centre administrator who did not make the decision confirms it: the achievement is
    recognised and its credits go on the ledger."""
    locked, cap = _start(acting_user, achievement, "confirm")
    decision = _pending(locked)
    until = _require_still_valid(locked)
    decision.status = Recognition.Status.IN_FORCE
    decision.re_reviewed_by = acting_user
    decision.re_reviewed_at = timezone.now()
    decision.re_review_note = clean_text(note, field="note", required=False, max_length=300)
    decision.save(update_fields=["status", "re_reviewed_by", "re_reviewed_at", "re_review_note"])
    _credit_in(decision, locked, acting_user, until)
    record_step(
        locked,
        action="confirm",
        actor=acting_user,
        role=cap.role,
        note=decision.re_review_note,
        fields=("recognition", "valid_until"),
        audit={"decision": decision.pk, "decided_by": decision.decided_by_id},
        notice=lambda: _recognised_notice(locked, decision),
    )
    return decision


@transaction.atomic
def recognition_send_back(*, acting_user, achievement: Achievement, reason: str) -> Recognition:
    """A centre administrator who did not make the decision sends it back with a reason; the
    achievement waits for a new decision (on appeal, if the decision was one)."""
    locked, cap = _start(acting_user, achievement, "send_back")
    decision = _pending(locked)
    reason = clean_text(reason, field="reason", max_length=300)
    decision.status = Recognition.Status.SENT_BACK
    decision.re_reviewed_by = acting_user
    decision.re_reviewed_at = timezone.now()
    decision.re_review_note = reason
    decision.save(update_fields=["status", "re_reviewed_by", "re_reviewed_at", "re_review_note"])
    record_step(
        locked,
        action="send_back",
        actor=acting_user,
        role=cap.role,
        note=reason,
        status=Status.APPEALED if decision.stage == Stage.APPEAL else Status.FORWARDED,
        audit={"decision": decision.pk, "decided_by": decision.decided_by_id},
        notice=lambda: (
            _("Your achievement goes back for a new decision"),
            _("The centre's re-review sent the decision on “%(title)s” back: %(reason)s")
            % {"title": locked.title, "reason": reason},
        ),
    )
    return decision


# --- Revocation and expiry --------------------------------------------------------------------


@transaction.atomic
def achievement_revoke(*, acting_user, achievement: Achievement, reason: str) -> CreditEntry:
    """A centre administrator revokes a recognition (e.g. the evidence was forged); its
    credits leave the ledger by a reversing entry."""
    locked, cap = _start(acting_user, achievement, "revoke")
    reason = clean_text(reason, field="reason", max_length=300)
    entry = ledger_cancel(
        achievement=locked, kind=CreditEntry.Kind.REVERSAL, acting_user=acting_user, note=reason
    )
    # Every document that lists it is revoked too, with this reason (issue 14).
    documents_revoke_for_achievement(acting_user=acting_user, achievement=locked, reason=reason)
    record_step(
        locked,
        action="revoke",
        actor=acting_user,
        role=cap.role,
        note=reason,
        audit={"credit_entry": entry.pk, "credits": str(entry.amount)},
        notice=lambda: (
            _("A recognition was revoked"),
            _(
                "The recognition of “%(title)s” was revoked and its %(credits)s credits taken "
                "off your ledger: %(reason)s"
            )
            % {"title": locked.title, "credits": -entry.amount, "reason": reason},
        ),
    )
    return entry


@transaction.atomic
def achievement_expire(
    *, achievement: Achievement, today: date | None = None
) -> CreditEntry | None:
    """The validity of a recognised achievement ended: its credits leave the ledger by an
    expiry entry. Safe to run twice: an achievement no longer recognised (or not yet due) is
    left alone and ``None`` returned."""
    today = today or timezone.localdate()
    locked = lock(achievement)
    if locked.status != Status.RECOGNISED or not locked.valid_until or locked.valid_until >= today:
        return None
    note = _("Validity ended on %(date)s") % {"date": locked.valid_until.isoformat()}
    entry = ledger_cancel(
        achievement=locked, kind=CreditEntry.Kind.EXPIRY, acting_user=None, note=note
    )
    record_step(
        locked,
        action="expire",
        actor=None,
        note=note,
        audit={"credit_entry": entry.pk, "credits": str(entry.amount)},
        notice=lambda: (
            _("Credits expired"),
            _(
                "The validity of “%(title)s” ended on %(date)s; its %(credits)s credits have "
                "expired."
            )
            % {
                "title": locked.title,
                "date": date_format(locked.valid_until),
                "credits": -entry.amount,
            },
        ),
    )
    return entry


def credits_expire_due(*, today: date | None = None) -> int:
    """Expire every recognised achievement whose validity ended before ``today``, each in its
    own transaction; returns how many expired."""
    today = today or timezone.localdate()
    expired = 0
    for pk in Achievement.objects.due_to_expire(today).values_list("pk", flat=True).iterator():
        expired += achievement_expire(achievement=Achievement(pk=pk), today=today) is not None
    return expired
