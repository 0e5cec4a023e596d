"""Conversion applications (转换申请): from the learner's submission to the ledger.

The steps and who takes them (``conversion.access``: ``APPLICATION_TRANSITIONS`` and
``LINE_TRANSITIONS``, ``application_capacity``, ``line_capacity``)::

    submitted ──accept──→ accepted ──take──→ with_institution ──(every line decided)──→
        │ └──decline──→ not_accepted          approved | partly_approved | rejected ──appeal──→
        └── withdraw (while no line is decided)                      appealed ──→ decided again

- the learner submits chosen lines of the engine's outcome (the trace and the rule versions are
  pinned), withdraws while no line is decided, and appeals a refusal within
  ``CREDITBANK_APPEAL_DAYS`` of the decision, once;
- branch staff of the application's branch or a clerk of the target member institution accept
  it (identity and evidence checked) or decline it with a reason; the decision is then due
  within ``CREDITBANK_CONVERSION_DUE_WORKING_DAYS`` working days;
- a reviewer of the target member institution takes it and decides each line: approved (its
  ``ConversionEntry`` goes on the ledger) or refused with a reason; an approval above
  ``CREDITBANK_RECOGNITION_REVIEW_THRESHOLD`` credits waits (``confirming``) for a centre
  administrator other than its decider (maker-checker); an appealed line is decided by a
  reviewer who took no part so far.

Every step locks the application row, checks its status and the actor's capacity, and writes an
``ApplicationEvent`` (the learner's history), an audit event and a notice to the learner (in-site
and by e-mail), in one transaction. The achievements a line uses are ``LineHolding`` rows: while
active, the database refuses a second active use of an achievement at the same institution, so
of two applications racing for it exactly one wins.
"""

from collections.abc import Callable
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import Institution, InstitutionStaff, LearnerAccount
from accounts.services.notices import notice_language, notice_send
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.text import clean_text
from creditbank.workdays import add_working_days

from ..access import (
    APPLICATION_TRANSITIONS,
    LINE_TRANSITIONS,
    appeal_deadline,
    application_capacity,
    line_capacity,
    line_open_to,
)
from ..models import (
    ApplicationEvent,
    ApplicationLine,
    ConversionApplication,
    ConversionEntry,
    Course,
    LineHolding,
    Programme,
)
from ..simulation import achievement_id, simulate

__all__ = [
    "APPLICATION_TRANSITIONS",
    "LINE_TRANSITIONS",
    "application_accept",
    "application_appeal",
    "application_decline",
    "application_submit",
    "application_take",
    "application_withdraw",
    "conversion_reminders_send",
    "line_confirm",
    "line_decide",
    "line_send_back",
]

Status = ConversionApplication.Status
LineStatus = ApplicationLine.Status
Stage = ApplicationLine.Stage

NUMBER_PREFIX = "ZS"
REASON_MAX = 1000
CLOSING_MAX = ConversionApplication._meta.get_field("closing_reason").max_length
APPEAL_MAX = 2000
ONCE_PER_INSTITUTION = "conv_achievement_once_per_institution"
# Reminders go out this many working days before the decision is due (and every day after).
REMIND_WORKING_DAYS = 3


# --- The shared path of every step --------------------------------------------------------------


def _learner_link(application: ConversionApplication) -> str:
    try:
        return reverse("conversion:my_application", args=[application.pk])
    except NoReverseMatch:  # the learner's page is wired by the views (conversion.urls)
        return f"/my/conversion/applications/{application.pk}/"


def _staff_link(application: ConversionApplication) -> str:
    try:
        return reverse("conversion:application_review", args=[application.pk])
    except NoReverseMatch:
        return f"/conversion/applications/{application.pk}/"


def _lock(application: ConversionApplication) -> ConversionApplication:
    """The application's row, locked until the transaction ends: of two concurrent steps, the
    second sees the status the first left."""
    return (
        ConversionApplication.objects.select_for_update(of=("self",))
        .select_related("account__user", "institution", "programme", "branch")
        .get(pk=application.pk)
    )


def _lock_line(line: ApplicationLine, application: ConversionApplication) -> ApplicationLine:
    locked = (
        ApplicationLine.objects.select_for_update(of=("self",))
        .select_related("course")
        .get(pk=line.pk, application=application)
    )
    locked.application = application
    return locked


def _refuse_status(message_object) -> None:
    raise IllegalTransition(
        _("A conversion application that is “%(status)s” cannot be changed this way.")
        % {"status": message_object.get_status_display()},
        code="illegal_transition",
    )


def require_status(application: ConversionApplication, action: str) -> None:
    """Refuse ``action`` unless the application is in a status it may start from."""
    if application.status not in APPLICATION_TRANSITIONS[action][0]:
        _refuse_status(application)


def _require_line_status(line: ApplicationLine, action: str) -> None:
    if not line_open_to(line, action):
        raise IllegalTransition(
            _("An application line that is “%(status)s” cannot be changed this way.")
            % {"status": line.get_status_display()},
            code="illegal_transition",
        )


def _application_capacity(user, application, action):
    found = application_capacity(user, application, action)
    if found is None:
        raise NotAllowed(
            _("You may not take this step on this conversion application."), code="not_allowed"
        )
    return found


def _line_capacity(user, line, action):
    found = line_capacity(user, line, action)
    if found is None:
        raise NotAllowed(
            _("You may not take this step on this application line."), code="not_allowed"
        )
    return found


def _record(
    application: ConversionApplication,
    *,
    action: str,
    actor,
    capacity=None,
    status: str | None = None,
    fields: tuple[str, ...] = (),
    line: ApplicationLine | None = None,
    note: str = "",
    audit: dict | None = None,
    notice: Callable[[], tuple[str, str]] | None = None,
) -> ApplicationEvent:
    """Move ``application`` (locked by the caller) to ``status`` (default: where ``action``
    leads, or where it is), save it with ``fields``, and write the history entry, the audit
    event and the learner's notice in the caller's transaction. ``notice`` makes the title and
    body in the learner's language (``notice_language``)."""
    before = application.status
    after = status or APPLICATION_TRANSITIONS[action][1] or before
    now = timezone.now()
    update = list(fields)
    if after != before:
        application.status = after
        application.status_changed_at = now
        update += ["status", "status_changed_at"]
    if update:
        application.save(update_fields=update)
    event = ApplicationEvent.objects.create(
        application=application,
        line=line,
        action=action,
        status=after,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_role=capacity.role if capacity else "",
        actor_unit=(capacity.unit if capacity else "")[:120],
        note=note,
        created_at=now,
    )
    audit_record(
        actor=actor,
        action=f"conversion_application.{action}",
        target=application,
        before={"status": before},
        after={"status": after, **(audit or {})},
        note=note[:500],
    )
    if notice is not None:
        with notice_language():
            title, body = notice()
        notice_send(
            user=application.account.user,
            title=title,
            body=body,
            link=_learner_link(application),
        )
    return event


def _credits_text(credits) -> str | None:
    return str(credits) if credits is not None else None


# --- The learner's submission -------------------------------------------------------------------


def _require_active_account(account: LearnerAccount) -> None:
    if account.status != LearnerAccount.Status.ACTIVE:
        raise IllegalTransition(
            _("This learning account is not active, so it cannot apply for anything now."),
            code="account_not_active",
        )


def _locked_account(acting_user) -> LearnerAccount:
    """The learner's account row, locked: a learner's submissions (and appeals) run one at a
    time, each seeing what the one before wrote."""
    account = (
        LearnerAccount.objects.select_for_update(of=("self",))
        .filter(user_id=acting_user.pk)
        .first()
        if getattr(acting_user, "is_authenticated", False)
        else None
    )
    if account is None:
        raise NotAllowed(
            _("Only a learner with a learning account may apply for conversion."),
            code="no_account",
        )
    _require_active_account(account)
    return account


def _next_number(year: int) -> str:
    """``ZS-<year>-<5 digits>``, one sequence a year. A transaction-scoped advisory lock makes
    concurrent submissions take numbers one after another."""
    prefix = f"{NUMBER_PREFIX}-{year}-"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext('conversion_application'), %s)", [year]
        )
    last = (
        ConversionApplication.objects.filter(number__regex=rf"^{prefix}[0-9]{{5}}$")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    serial = int(last[len(prefix) :]) + 1 if last else 1
    return f"{prefix}{serial:05d}"


def _course_ids(course_ids) -> list[int]:
    found = []
    for value in course_ids or ():
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(
                _("Choose the courses from the list."), field="course", code="course"
            ) from None
        if pk not in found:
            found.append(pk)
    if not found:
        raise InvalidInput(
            _("Choose at least one course to apply for."), field="course", code="required"
        )
    return found


def _line_trace(trace: dict, course_id: int) -> dict:
    return next((line for line in trace.get("lines", ()) if line.get("course_id") == course_id), {})


def _used_anywhere(achievement_ids: set[int]) -> set[int]:
    return set(
        LineHolding.objects.filter(achievement_id__in=achievement_ids, active=True).values_list(
            "achievement_id", flat=True
        )
    )


@transaction.atomic
def application_submit(
    *, acting_user, programme: Programme, course_ids, on: date | None = None
) -> ConversionApplication:
    """The learner applies to convert achievements into courses of ``programme``.

    The engine runs again for ``on`` (default today) on the learner's recognised achievements;
    every chosen course must be a line the learner may apply for (``Line.applicable``), else
    nothing is written and the message names the course. The application pins the engine's
    whole trace and, per line, the rule version, outcome, credits and reasons; each achievement
    a line uses is held (``LineHolding``) at the target institution — or anywhere, with
    ``CREDITBANK_CONVERSION_ONCE_ANYWHERE``. An achievement already held there, by a race with
    another application, is refused with a clear message and nothing is written."""
    account = _locked_account(acting_user)
    if not programme.is_active or programme.institution.status != Institution.Status.APPROVED:
        raise InvalidInput(
            _("This programme is not open for conversion."), field="programme", code="programme"
        )
    wanted = _course_ids(course_ids)
    on = on or timezone.localdate()
    _situation, outcome = simulate(programme, on, account=account)
    courses = {c.pk: c for c in Course.objects.filter(pk__in=wanted)}
    chosen = []
    for course_id in wanted:
        line = outcome.line_for(course_id)
        course = courses.get(course_id)
        if course is None or line is None:
            raise InvalidInput(
                _("Choose the courses from the list."), field="course", code="course"
            )
        if not line.applicable:
            raise InvalidInput(
                _(
                    "“%(code)s %(name)s” cannot be applied for: your achievements do not meet "
                    "its rule now."
                )
                % {"code": course.code, "name": course.name},
                field="course",
                code="not_applicable",
            )
        chosen.append((course, line))
    companions = outcome.companions_missing(wanted)
    if companions:
        line = outcome.line_for(companions[0])
        first = Course.objects.filter(pk__in=[companions[0], line.granted_with]).in_bulk()
        raise InvalidInput(
            _(
                "“%(course)s” is granted together with “%(with)s” under one rule, on the "
                "same achievements: choose both."
            )
            % {
                "course": first[companions[0]].name,
                "with": first[line.granted_with].name,
            },
            field="course",
            code="companion_missing",
        )
    used = {achievement_id(h) for _c, line in chosen for h in line.holding_ids} - {None}
    if settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE and _used_anywhere(used):
        raise InvalidInput(
            _(
                "An achievement this application would use is already converted, or applied "
                "for, at another institution; each achievement converts only once."
            ),
            field="course",
            code="used_anywhere",
        )
    trace = outcome.trace()
    number = _next_number(on.year)
    home = getattr(account, "home", None)
    try:
        with transaction.atomic():
            application = ConversionApplication.objects.create(
                number=number,
                account=account,
                programme=programme,
                institution_id=programme.institution_id,
                applied_on=on,
                branch_id=home.branch_id if home is not None else None,
                trace=trace,
            )
            lines = ApplicationLine.objects.bulk_create(
                ApplicationLine(
                    application=application,
                    course=course,
                    rule_version_id=line.version_id,
                    outcome=line.outcome,
                    credits=line.credits if line.outcome == "credits" else None,
                    trace=_line_trace(trace, course.pk),
                )
                for course, line in chosen
            )
            LineHolding.objects.bulk_create(
                LineHolding(
                    line=row,
                    achievement_id=achievement_id(h),
                    institution_id=programme.institution_id,
                )
                for row, (_course, line) in zip(lines, chosen, strict=True)
                for h in line.holding_ids
                if achievement_id(h) is not None
            )
    except IntegrityError as error:
        if ONCE_PER_INSTITUTION not in str(error):
            raise
        raise InvalidInput(
            _(
                "An achievement this application would use is already in another application "
                "at this institution. Look at the result again and choose once more."
            ),
            field="course",
            code="already_used",
        ) from None
    application.account = account
    _record(
        application,
        action="submit",
        actor=acting_user,
        capacity=_application_capacity(acting_user, application, "submit"),
        audit={
            "number": number,
            "lines": [row.pk for row in lines],
            "courses": [course.code for course, _line in chosen],
            "credits": _credits_text(
                sum((row.credits for row in lines if row.credits is not None), Decimal("0.00"))
            ),
        },
        notice=lambda: (
            _("Your conversion application %(number)s was received") % {"number": number},
            _(
                "It asks %(institution)s to convert your achievements into %(count)d course(s) "
                "of %(programme)s. Staff will check your identity and evidence first."
            )
            % {
                "institution": programme.institution.name,
                "count": len(lines),
                "programme": programme.name,
            },
        ),
    )
    return application


# --- Acceptance ---------------------------------------------------------------------------------


@transaction.atomic
def application_accept(*, acting_user, application: ConversionApplication) -> ConversionApplication:
    """Branch staff of the application's branch, or a clerk of the target member institution,
    accept it (受理) after checking identity and evidence: the decision is then due within
    ``CREDITBANK_CONVERSION_DUE_WORKING_DAYS`` working days."""
    locked = _lock(application)
    require_status(locked, "accept")
    cap = _application_capacity(acting_user, locked, "accept")
    today = timezone.localdate()
    locked.accepted_by = acting_user
    locked.accepted_at = timezone.now()
    locked.due_on = add_working_days(today, settings.CREDITBANK_CONVERSION_DUE_WORKING_DAYS)
    _record(
        locked,
        action="accept",
        actor=acting_user,
        capacity=cap,
        fields=("accepted_by", "accepted_at", "due_on"),
        audit={"due_on": locked.due_on.isoformat()},
        notice=lambda: (
            _("Your conversion application %(number)s was accepted") % {"number": locked.number},
            _("%(institution)s will decide on it by %(date)s.")
            % {"institution": locked.institution.name, "date": date_format(locked.due_on)},
        ),
    )
    return locked


@transaction.atomic
def application_decline(
    *, acting_user, application: ConversionApplication, reason: str
) -> ConversionApplication:
    """The same staff decline it (不予受理) with a reason the learner reads; its achievements
    are free again."""
    locked = _lock(application)
    require_status(locked, "decline")
    cap = _application_capacity(acting_user, locked, "decline")
    reason = clean_text(reason, field="reason", max_length=CLOSING_MAX)
    locked.closing_reason = reason
    LineHolding.objects.filter(line__application=locked).update(active=False)
    ApplicationLine.objects.filter(application=locked, status=LineStatus.PENDING).update(
        status=LineStatus.WITHDRAWN
    )
    _record(
        locked,
        action="decline",
        actor=acting_user,
        capacity=cap,
        fields=("closing_reason",),
        note=reason,
        audit={"reason": reason},
        notice=lambda: (
            _("Your conversion application %(number)s was not accepted")
            % {"number": locked.number},
            _("The reason: %(reason)s") % {"reason": reason},
        ),
    )
    return locked


@transaction.atomic
def application_take(*, acting_user, application: ConversionApplication) -> ConversionApplication:
    """A reviewer of the target member institution takes the accepted application."""
    locked = _lock(application)
    require_status(locked, "take")
    cap = _application_capacity(acting_user, locked, "take")
    _take(locked, acting_user, cap)
    return locked


def _take(application: ConversionApplication, acting_user, cap) -> None:
    application.reviewer = acting_user
    _record(
        application,
        action="take",
        actor=acting_user,
        capacity=cap,
        fields=("reviewer",),
        audit={"reviewer": acting_user.pk},
        notice=lambda: (
            _("Your conversion application %(number)s is with the institution")
            % {"number": application.number},
            _("A reviewer of %(institution)s is deciding on it.")
            % {"institution": application.institution.name},
        ),
    )


# --- The decision -------------------------------------------------------------------------------


def _entry_write(line: ApplicationLine, acting_user) -> ConversionEntry:
    """The line's conversion on the ledger, citing the line and its pinned rule version."""
    application = line.application
    return ConversionEntry.objects.create(
        account_id=application.account_id,
        institution_id=application.institution_id,
        programme_id=application.programme_id,
        course_id=line.course_id,
        line=line,
        rule_version_id=line.rule_version_id,
        kind=line.outcome,
        credits=line.credits,
        created_by=acting_user if getattr(acting_user, "is_authenticated", False) else None,
    )


def _settled_status(application: ConversionApplication) -> str | None:
    """Where the application goes when no line is open any more (approved, partly approved or
    rejected), or ``None`` while one is."""
    statuses = list(
        application.lines.exclude(status=LineStatus.WITHDRAWN).values_list("status", flat=True)
    )
    if any(s in (LineStatus.PENDING, LineStatus.CONFIRMING, LineStatus.APPEALED) for s in statuses):
        return None
    approved = sum(s == LineStatus.APPROVED for s in statuses)
    if approved == len(statuses):
        return Status.APPROVED
    return Status.PARTLY_APPROVED if approved else Status.REJECTED


def _line_notice(application, line, settled):
    course = f"{line.course.code} {line.course.name}"

    def notice() -> tuple[str, str]:
        if line.status == LineStatus.APPROVED:
            if line.credits is not None:
                body = _("“%(course)s”: %(credits)s credits were converted.") % {
                    "course": course,
                    "credits": line.credits,
                }
            else:
                body = _("“%(course)s”: you are exempt from it.") % {"course": course}
        elif line.status == LineStatus.CONFIRMING:
            body = _(
                "“%(course)s” was approved; the centre re-reviews every conversion above "
                "%(threshold)s credits."
            ) % {"course": course, "threshold": settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD}
        elif line.status == LineStatus.REFUSED:
            body = _("“%(course)s” was refused: %(reason)s") % {
                "course": course,
                "reason": line.reason,
            }
        else:
            body = _("“%(course)s” is waiting for a decision again.") % {"course": course}
        if settled is not None:
            body += " " + _("Every line is decided: the application is “%(status)s”.") % {
                "status": Status(settled).label
            }
            deadline = appeal_deadline(application)
            if deadline is not None:
                body += " " + _("You may appeal a refusal until %(date)s.") % {
                    "date": date_format(deadline)
                }
        return (
            _("Conversion application %(number)s: a decision") % {"number": application.number},
            body,
        )

    return notice


def _settle(application: ConversionApplication) -> tuple[str | None, tuple[str, ...]]:
    """If no line is open, the application's decided status and the fields to save."""
    settled = _settled_status(application)
    if settled is None:
        return None, ()
    application.decided_at = timezone.now()
    return settled, ("decided_at",)


def _line_audit(line: ApplicationLine, entry: ConversionEntry | None = None) -> dict:
    facts = {
        "line": line.pk,
        "line_status": line.status,
        "stage": line.stage,
        "credits": _credits_text(line.credits),
    }
    if entry is not None:
        facts["entry"] = entry.pk
    return facts


def _record_line_step(application, line, *, action, acting_user, cap, note="", entry=None):
    settled, fields = _settle(application)
    # The notice is made after the status moved (it reads the appeal deadline).
    return _record(
        application,
        action=action,
        actor=acting_user,
        capacity=cap,
        status=settled,
        fields=fields,
        line=line,
        note=note,
        audit=_line_audit(line, entry),
        notice=_line_notice(application, line, settled),
    )


def _require_companion_anchor(line: ApplicationLine) -> None:
    """A course granted together with another by one rule (``granted_with`` in its trace: the
    achievements are held by the other course's line) is approved only once that line is."""
    anchor_course = (line.trace or {}).get("granted_with")
    if anchor_course is None:
        return
    anchor = (
        ApplicationLine.objects.filter(application_id=line.application_id, course_id=anchor_course)
        .select_related("course")
        .first()
    )
    if anchor is None or anchor.status != LineStatus.APPROVED:
        raise IllegalTransition(
            _(
                "This course is granted together with “%(course)s” on the achievements of that "
                "line: approve that line (and its re-review, if it needs one) first."
            )
            % {"course": anchor.course.name if anchor is not None else anchor_course},
            code="companion_first",
        )


@transaction.atomic
def line_decide(
    *, acting_user, line: ApplicationLine, approve: bool, reason: str = ""
) -> ApplicationLine:
    """A reviewer of the target member institution decides one line: approve it (its entry
    goes on the ledger; above the re-review threshold it waits for a centre administrator) or
    refuse it with a reason (its achievements are free again). On an accepted application the
    decision takes it implicitly. An appealed line is decided by a reviewer who took no part
    so far. When no line is open, the application is approved, partly approved or rejected."""
    application = _lock(line.application)
    locked = _lock_line(line, application)
    _require_line_status(locked, "decide")
    cap = _line_capacity(acting_user, locked, "decide")
    reason = clean_text(
        reason, field="reason", required=not approve, max_length=REASON_MAX, multiline=True
    )
    if application.status == Status.ACCEPTED:
        _take(application, acting_user, cap)
    stage = Stage.APPEAL if locked.status == LineStatus.APPEALED else Stage.FIRST
    entry = None
    if approve:
        _require_companion_anchor(locked)
        above = (
            locked.credits is not None
            and locked.credits > settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD
        )
        locked.status = LineStatus.CONFIRMING if above else LineStatus.APPROVED
    else:
        locked.status = LineStatus.REFUSED
        LineHolding.objects.filter(line=locked).update(active=False)
    locked.stage = stage
    locked.decided_by = acting_user
    locked.decided_as = cap.role
    locked.decided_at = timezone.now()
    locked.reason = reason
    locked.save(
        update_fields=["status", "stage", "decided_by", "decided_as", "decided_at", "reason"]
    )
    if locked.status == LineStatus.APPROVED:
        entry = _entry_write(locked, acting_user)
    _record_line_step(
        application,
        locked,
        action="decide",
        acting_user=acting_user,
        cap=cap,
        note=reason,
        entry=entry,
    )
    return locked


@transaction.atomic
def line_confirm(*, acting_user, line: ApplicationLine) -> ApplicationLine:
    """A centre administrator other than its decider confirms an approval above the re-review
    threshold: the entry goes on the ledger."""
    application = _lock(line.application)
    locked = _lock_line(line, application)
    _require_line_status(locked, "confirm")
    cap = _line_capacity(acting_user, locked, "confirm")
    locked.status = LineStatus.APPROVED
    locked.confirmed_by = acting_user
    locked.confirmed_at = timezone.now()
    locked.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    entry = _entry_write(locked, acting_user)
    _record_line_step(
        application, locked, action="confirm", acting_user=acting_user, cap=cap, entry=entry
    )
    return locked


@transaction.atomic
def line_send_back(*, acting_user, line: ApplicationLine, note: str) -> ApplicationLine:
    """A centre administrator other than its decider sends an approval above the threshold
    back, saying why: the line waits for a decision again (on appeal: for the appeal's)."""
    application = _lock(line.application)
    locked = _lock_line(line, application)
    _require_line_status(locked, "send_back")
    cap = _line_capacity(acting_user, locked, "send_back")
    note = clean_text(note, field="note", max_length=REASON_MAX, multiline=True)
    first = locked.stage != Stage.APPEAL
    locked.status = LineStatus.PENDING if first else LineStatus.APPEALED
    locked.stage = "" if first else Stage.FIRST
    locked.decided_by = None
    locked.decided_as = ""
    locked.decided_at = None
    locked.reason = ""
    locked.save(
        update_fields=["status", "stage", "decided_by", "decided_as", "decided_at", "reason"]
    )
    _record_line_step(
        application, locked, action="send_back", acting_user=acting_user, cap=cap, note=note
    )
    return locked


# --- The learner: withdrawal and appeal ---------------------------------------------------------


@transaction.atomic
def application_withdraw(
    *, acting_user, application: ConversionApplication, reason: str = ""
) -> ConversionApplication:
    """The learner withdraws the application before the decision — while no line has been
    decided yet; its achievements are free again."""
    locked = _lock(application)
    require_status(locked, "withdraw")
    cap = _application_capacity(acting_user, locked, "withdraw")
    if locked.lines.exclude(status=LineStatus.PENDING).exists():
        raise IllegalTransition(
            _(
                "A line of this application has been decided already, so it can no longer be "
                "withdrawn."
            ),
            code="decided",
        )
    reason = clean_text(reason, field="reason", required=False, max_length=CLOSING_MAX)
    line_ids = list(locked.lines.values_list("pk", flat=True))
    ApplicationLine.objects.filter(pk__in=line_ids).update(status=LineStatus.WITHDRAWN)
    LineHolding.objects.filter(line_id__in=line_ids).update(active=False)
    locked.closing_reason = reason
    _record(
        locked,
        action="withdraw",
        actor=acting_user,
        capacity=cap,
        fields=("closing_reason",),
        note=reason,
        audit={"lines": line_ids},
        notice=lambda: (
            _("Your conversion application %(number)s was withdrawn") % {"number": locked.number},
            _("The achievements it used may be used again."),
        ),
    )
    return locked


@transaction.atomic
def application_appeal(
    *, acting_user, application: ConversionApplication, reason: str
) -> ConversionApplication:
    """The learner appeals the refused lines, with grounds, within ``CREDITBANK_APPEAL_DAYS``
    of the decision and once: a reviewer who took no part decides them again. Their
    achievements are held again; one used by another application since is refused with a
    clear message and nothing is written."""
    _locked_account(acting_user)
    locked = _lock(application)
    require_status(locked, "appeal")
    cap = _application_capacity(acting_user, locked, "appeal")
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
    reason = clean_text(reason, field="reason", max_length=APPEAL_MAX, multiline=True)
    refused = list(
        locked.lines.filter(status=LineStatus.REFUSED, stage=Stage.FIRST).values_list(
            "pk", flat=True
        )
    )
    holdings = LineHolding.objects.filter(line_id__in=refused)
    if settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE and _used_anywhere(
        set(holdings.values_list("achievement_id", flat=True))
    ):
        raise InvalidInput(
            _(
                "An achievement of a refused line has been converted, or applied for, since; "
                "the appeal cannot hold it again."
            ),
            field="reason",
            code="used_since",
        )
    try:
        with transaction.atomic():
            holdings.update(active=True)
    except IntegrityError as error:
        if ONCE_PER_INSTITUTION not in str(error):
            raise
        raise InvalidInput(
            _(
                "An achievement of a refused line has been used by another application at this "
                "institution since; the appeal cannot hold it again."
            ),
            field="reason",
            code="used_since",
        ) from None
    ApplicationLine.objects.filter(pk__in=refused).update(status=LineStatus.APPEALED)
    locked.appealed_at = timezone.now()
    locked.appeal_reason = reason
    # The appeal is decided within the same promise, counted from the day it was made.
    locked.due_on = add_working_days(
        timezone.localdate(locked.appealed_at), settings.CREDITBANK_CONVERSION_DUE_WORKING_DAYS
    )
    _record(
        locked,
        action="appeal",
        actor=acting_user,
        capacity=cap,
        fields=("appealed_at", "appeal_reason", "due_on"),
        note=reason,
        audit={"lines": refused, "due_on": locked.due_on.isoformat()},
        notice=lambda: (
            _("Your appeal on conversion application %(number)s was received")
            % {"number": locked.number},
            _("A reviewer of %(institution)s who took no part in the decision will decide again.")
            % {"institution": locked.institution.name},
        ),
    )
    return locked


# --- Reminders ----------------------------------------------------------------------------------


def conversion_reminders_send(*, today: date | None = None) -> int:
    """Remind the reviewers of the target institution of every accepted or taken application
    whose decision is due within ``REMIND_WORKING_DAYS`` working days or overdue, once a day
    (``last_reminded_on``, claimed by a conditional update, so that a repeated run sends
    nothing twice). Each application in its own transaction; returns how many were reminded."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, REMIND_WORKING_DAYS)
    not_today = Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lt=today)
    due = (
        ConversionApplication.objects.filter(
            not_today,
            status__in=APPLICATION_TRANSITIONS["remind"][0],
            due_on__lte=horizon,
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)
    )
    reminded = 0
    for pk in list(due):
        with transaction.atomic():
            application = _lock(ConversionApplication(pk=pk))
            if application.status not in APPLICATION_TRANSITIONS["remind"][0] or not (
                application.last_reminded_on is None or application.last_reminded_on < today
            ):
                continue
            before = application.last_reminded_on
            application.last_reminded_on = today
            application.save(update_fields=["last_reminded_on"])
            reviewers = list(
                InstitutionStaff.objects.filter(
                    institution_id=application.institution_id,
                    role=InstitutionStaff.Role.REVIEWER,
                )
                .exclude(user_id=application.account.user_id)
                .select_related("user")
                .order_by("user_id")
            )
            overdue = application.due_on < today
            for staff in reviewers:
                with notice_language():
                    title = _("Conversion application %(number)s: decision due %(date)s") % {
                        "number": application.number,
                        "date": date_format(application.due_on),
                    }
                    body = (
                        _("The decision on it is overdue; please decide now.")
                        if overdue
                        else _("Please decide on it by then.")
                    )
                notice_send(user=staff.user, title=title, body=body, link=_staff_link(application))
            audit_record(
                actor=None,
                action="conversion_application.remind",
                target=application,
                before={"last_reminded_on": before.isoformat() if before else None},
                after={
                    "last_reminded_on": today.isoformat(),
                    "due_on": application.due_on.isoformat(),
                    "count": len(reviewers),
                },
            )
        reminded += 1
    return reminded
