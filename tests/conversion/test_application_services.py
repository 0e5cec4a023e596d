"""The conversion application services: the state machine, who may take each step, the pinned
trace, the holdings, the ledger entries, maker-checker, appeals, the history, audit and notices."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import close_old_connections, connection
from django.utils import timezone, translation

from accounts.models import LearnerAccount, Notice
from achievements.services import ledger_problems
from conversion.access import (
    APPLICATION_TRANSITIONS,
    appeal_deadline,
    application_actions,
    line_actions,
)
from conversion.models import (
    ApplicationEvent,
    ApplicationLine,
    ConversionApplication,
    ConversionEntry,
    LineHolding,
)
from conversion.services import applications as services
from conversion.services.conversion_ledger import conversion_problems
from creditbank.errors import IllegalTransition, InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from creditbank.workdays import add_working_days
from tests.achievements.factories import active_account
from tests.conversion.application_world import REFUSAL, STATES, ApplicationWorld

Status = ConversionApplication.Status
LineStatus = ApplicationLine.Status


@pytest.fixture
def world(people):
    return ApplicationWorld(people)


def audit_actions(application) -> list[str]:
    return list(
        AuditEvent.objects.filter(
            object_type="conversion.conversionapplication", object_id=str(application.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def history(application) -> list[tuple[str, str]]:
    return list(application.events.order_by("pk").values_list("action", "status"))


def assert_ledger_holds():
    assert list(conversion_problems()) == []
    assert list(ledger_problems()) == []


# --- Submission ---------------------------------------------------------------------------------


def test_submit_pins_the_trace_the_lines_and_holds_the_achievements(world):
    course = world.course()
    application = world.submit([course])
    assert application.status == Status.SUBMITTED
    assert application.number.startswith(f"ZS-{timezone.localdate().year}-")
    assert len(application.number) == len("ZS-2026-00001")
    assert application.branch == world.branch
    assert application.institution == world.institution
    assert application.trace["programme_id"] == world.programme.pk
    line = application.lines.get()
    assert line.course == course
    assert line.rule_version == course.version
    assert line.outcome == "credits"
    assert line.credits == Decimal("4.00")
    assert line.status == LineStatus.PENDING
    assert line.trace["course_id"] == course.pk
    assert line.trace["version_id"] == course.version.pk
    holding = LineHolding.objects.get(line=line)
    assert holding.achievement == course.achievement
    assert holding.institution == world.institution
    assert holding.active
    assert history(application) == [("submit", "submitted")]
    assert audit_actions(application) == ["conversion_application.submit"]
    notice = Notice.objects.filter(user=world.learner).latest("pk")
    assert application.number in notice.title
    assert str(application.pk) in notice.link


def test_numbers_follow_one_another_within_a_year(world):
    first = world.submit([world.course()])
    second = world.submit([world.course()])
    assert int(second.number[-5:]) == int(first.number[-5:]) + 1


def test_a_course_the_learner_cannot_apply_for_is_refused_naming_it(world):
    course = world.course(holder=False)
    with pytest.raises(InvalidInput) as refused:
        world.submit([course])
    assert refused.value.field == "course"
    assert course.code in refused.value.message
    assert not ConversionApplication.objects.exists()


def test_no_course_chosen_is_refused(world):
    with pytest.raises(InvalidInput) as refused:
        services.application_submit(
            acting_user=world.learner, programme=world.programme, course_ids=[]
        )
    assert refused.value.field == "course"


def test_an_achievement_in_an_open_application_cannot_be_applied_again(world):
    course = world.course()
    world.submit([course])
    with pytest.raises(InvalidInput) as refused:
        world.submit([course])
    assert course.code in refused.value.message
    assert ConversionApplication.objects.count() == 1


def test_a_frozen_account_cannot_apply(world):
    course = world.course()
    LearnerAccount.objects.filter(pk=world.account.pk).update(status="frozen")
    with pytest.raises(IllegalTransition):
        world.submit([course])
    assert not ConversionApplication.objects.exists()


def test_someone_without_a_learning_account_cannot_apply(world):
    course = world.course()
    with pytest.raises(NotAllowed):
        services.application_submit(
            acting_user=world.reviewer, programme=world.programme, course_ids=[course.pk]
        )


def test_a_hold_the_engine_cannot_see_is_refused_by_the_database_cleanly(world):
    """The partial unique constraint: an achievement held at the institution by a line the
    learner's engine run does not see (as in a race) makes the submission fail with a clear
    message, and nothing is written."""
    course = world.course()
    application = world.submit([world.course()])
    LineHolding.objects.create(
        line=application.lines.get(), achievement=course.achievement, institution=world.institution
    )
    # Another learner's application, as far as the engine's reading of "prior" goes.
    ConversionApplication.objects.filter(pk=application.pk).update(
        account=active_account(branch=world.branch)
    )
    before = (ConversionApplication.objects.count(), ApplicationLine.objects.count())
    with translation.override("en"), pytest.raises(InvalidInput) as refused:
        world.submit([course])
    assert refused.value.code == "already_used"
    assert "already in another application" in refused.value.message
    assert (ConversionApplication.objects.count(), ApplicationLine.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_two_submissions_racing_for_one_achievement_exactly_one_wins(reference_data):
    from tests.conftest import build_people

    world = ApplicationWorld(build_people())
    course = world.course()
    results, barrier = [], threading.Barrier(2)

    def submit():
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            results.append(world.submit([course]))
        except InvalidInput as error:
            results.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    won = [r for r in results if isinstance(r, ConversionApplication)]
    lost = [r for r in results if isinstance(r, InvalidInput)]
    assert len(won) == 1, results
    assert len(lost) == 1, results
    assert LineHolding.objects.filter(achievement=course.achievement, active=True).count() == 1
    assert ConversionApplication.objects.count() == 1


# --- The state machine --------------------------------------------------------------------------

STEPS = {
    "accept": lambda w, a: services.application_accept(acting_user=w.accepter, application=a),
    "decline": lambda w, a: services.application_decline(
        acting_user=w.accepter, application=a, reason="证件不清晰"
    ),
    "take": lambda w, a: services.application_take(acting_user=w.reviewer, application=a),
    "withdraw": lambda w, a: services.application_withdraw(acting_user=w.learner, application=a),
    "appeal": lambda w, a: services.application_appeal(
        acting_user=w.learner, application=a, reason="请重新审核"
    ),
}


@pytest.mark.parametrize("state", STATES)
def test_every_step_the_table_does_not_allow_is_refused_and_writes_nothing(world, state):
    application = world.application(state)
    for action, step in STEPS.items():
        if application.status in APPLICATION_TRANSITIONS[action][0]:
            continue
        events = ApplicationEvent.objects.count()
        with pytest.raises(IllegalTransition):
            step(world, application)
        application.refresh_from_db()
        assert application.status == state or state == "confirming"
        assert ApplicationEvent.objects.count() == events
    assert_ledger_holds()


@pytest.mark.parametrize(
    ("state", "status", "lines"),
    [
        ("submitted", "submitted", ["pending"]),
        ("accepted", "accepted", ["pending"]),
        ("not_accepted", "not_accepted", ["withdrawn"]),
        ("with_institution", "with_institution", ["pending"]),
        ("confirming", "with_institution", ["confirming"]),
        ("approved", "approved", ["approved"]),
        ("partly_approved", "partly_approved", ["approved", "refused"]),
        ("rejected", "rejected", ["refused"]),
        ("appealed", "appealed", ["appealed"]),
        ("withdrawn", "withdrawn", ["withdrawn"]),
    ],
)
def test_the_world_reaches_every_state_through_the_services(world, state, status, lines):
    application = world.application(state)
    assert application.status == status
    assert list(application.lines.order_by("pk").values_list("status", flat=True)) == lines
    assert_ledger_holds()


# --- Acceptance ---------------------------------------------------------------------------------


def test_branch_staff_accept_and_the_decision_is_due_in_working_days(world, settings):
    application = world.application("submitted")
    services.application_accept(acting_user=world.accepter, application=application)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert application.accepted_by == world.accepter
    assert application.due_on == add_working_days(
        timezone.localdate(), settings.CREDITBANK_CONVERSION_DUE_WORKING_DAYS
    )
    event = application.events.latest("pk")
    assert (event.action, event.actor, event.actor_role) == (
        "accept",
        world.accepter,
        "branch_staff",
    )
    assert audit_actions(application)[-1] == "conversion_application.accept"
    assert (
        Notice.objects.filter(user=world.learner, title__contains=application.number).count() == 2
    )


def test_a_clerk_of_the_target_institution_accepts_too(world):
    application = world.application("submitted")
    services.application_accept(acting_user=world.clerk, application=application)
    assert application.events.latest("pk").actor_role == "institution_clerk"


@pytest.mark.parametrize("role", ["institution_reviewer", "expert", "centre_admin", "outsider"])
def test_others_may_not_accept(world, role):
    application = world.application("submitted")
    with pytest.raises(NotAllowed):
        services.application_accept(acting_user=world[role], application=application)
    assert application.events.count() == 1


def test_nobody_accepts_their_own_application(world):
    application = world.application("submitted")
    with pytest.raises(NotAllowed):
        services.application_accept(acting_user=world.learner, application=application)


def test_a_declined_application_frees_its_achievements(world):
    course = world.course()
    application = world.application("not_accepted", courses=[course])
    assert application.closing_reason
    assert not LineHolding.objects.filter(line__application=application, active=True).exists()
    with pytest.raises(InvalidInput):
        services.application_decline(
            acting_user=world.accepter, application=world.application(), reason=""
        )
    again = world.submit([course])
    assert again.status == Status.SUBMITTED


def test_a_reviewer_takes_it(world):
    application = world.application("accepted")
    services.application_take(acting_user=world.reviewer, application=application)
    application.refresh_from_db()
    assert application.status == Status.WITH_INSTITUTION
    assert application.reviewer == world.reviewer
    with pytest.raises(NotAllowed):
        services.application_take(
            acting_user=world.accepter, application=world.application("accepted")
        )


# --- The decision -------------------------------------------------------------------------------


def test_an_approved_line_writes_its_entry_citing_line_and_rule_version(world):
    course = world.course()
    application = world.application("approved", courses=[course])
    line = application.lines.get()
    entry = ConversionEntry.objects.get(line=line)
    assert (entry.kind, entry.credits, entry.course, entry.rule_version) == (
        "credits",
        Decimal("4.00"),
        course,
        course.version,
    )
    assert (entry.account, entry.institution, entry.programme) == (
        world.account,
        world.institution,
        world.programme,
    )
    assert line.decided_by == world.reviewer and line.stage == "first"
    assert application.decided_at is not None
    assert LineHolding.objects.get(line=line).active
    assert_ledger_holds()


def test_an_exemption_is_an_entry_without_credits(world):
    course = world.course(exemption=True)
    application = world.application("approved", courses=[course])
    entry = ConversionEntry.objects.get(line__application=application)
    assert (entry.kind, entry.credits) == ("exemption", None)
    assert_ledger_holds()


def test_deciding_an_accepted_application_takes_it(world):
    application = world.application("accepted")
    services.line_decide(acting_user=world.reviewer, line=world.line(application), approve=True)
    application.refresh_from_db()
    assert application.status == Status.APPROVED
    assert application.reviewer == world.reviewer
    assert [a for a, _s in history(application)] == ["submit", "accept", "take", "decide"]


def test_a_refusal_needs_a_reason_and_writes_nothing_without_one(world):
    application = world.application("with_institution")
    with pytest.raises(InvalidInput) as refused:
        services.line_decide(
            acting_user=world.reviewer, line=world.line(application), approve=False, reason=" "
        )
    assert refused.value.field == "reason"
    assert world.line(application).status == LineStatus.PENDING


def test_a_refused_line_frees_its_achievement(world):
    course = world.course()
    application = world.application("rejected", courses=[course])
    line = application.lines.get()
    assert line.reason == REFUSAL
    assert not LineHolding.objects.get(line=line).active
    assert not ConversionEntry.objects.exists()
    assert appeal_deadline(application) == timezone.localdate() + timedelta(days=14)


def test_the_application_is_decided_only_when_no_line_is_open(world):
    application = world.application("with_institution", courses=[world.course(), world.course()])
    first, second = application.lines.order_by("pk")
    services.line_decide(acting_user=world.reviewer, line=first, approve=True)
    application.refresh_from_db()
    assert application.status == Status.WITH_INSTITUTION and application.decided_at is None
    services.line_decide(acting_user=world.reviewer, line=second, approve=False, reason="不符")
    application.refresh_from_db()
    assert application.status == Status.PARTLY_APPROVED


@pytest.mark.parametrize("role", ["branch_staff", "institution_clerk", "expert", "centre_admin"])
def test_only_a_reviewer_of_the_target_institution_decides(world, role):
    application = world.application("with_institution")
    with pytest.raises(NotAllowed):
        services.line_decide(acting_user=world[role], line=world.line(application), approve=True)


def test_a_decided_line_cannot_be_decided_again(world):
    application = world.application("approved")
    with pytest.raises(IllegalTransition):
        services.line_decide(
            acting_user=world.reviewer, line=world.line(application), approve=False, reason="x"
        )
    assert ConversionEntry.objects.count() == 1


# --- Maker-checker ------------------------------------------------------------------------------


def test_above_the_threshold_the_entry_waits_for_a_centre_administrator(world):
    application = world.application("confirming")
    line = world.line(application)
    assert line.status == LineStatus.CONFIRMING
    assert not ConversionEntry.objects.exists()
    assert line_actions(world.centre, line) == {"confirm", "send_back"}
    services.line_confirm(acting_user=world.centre, line=line)
    line.refresh_from_db()
    application.refresh_from_db()
    assert (line.status, line.confirmed_by) == (LineStatus.APPROVED, world.centre)
    assert application.status == Status.APPROVED
    assert ConversionEntry.objects.get(line=line).credits == world.big
    assert_ledger_holds()


def test_nobody_confirms_their_own_decision(world, people):
    from accounts.models import Role, RoleGrant

    RoleGrant.objects.create(user=world.reviewer, role=Role.CENTRE_ADMIN)
    application = world.application("confirming")
    with pytest.raises(NotAllowed):
        services.line_confirm(acting_user=world.reviewer, line=world.line(application))
    with pytest.raises(NotAllowed):
        services.line_confirm(acting_user=world.accepter, line=world.line(application))


def test_a_line_sent_back_waits_for_a_decision_again(world):
    application = world.application("confirming")
    line = world.line(application)
    with pytest.raises(InvalidInput):
        services.line_send_back(acting_user=world.centre, line=line, note="")
    services.line_send_back(acting_user=world.centre, line=line, note="学分过高，请核实。")
    line.refresh_from_db()
    assert (line.status, line.decided_by, line.stage) == (LineStatus.PENDING, None, "")
    assert application.events.latest("pk").action == "send_back"
    services.line_decide(acting_user=world.reviewer, line=line, approve=True)
    services.line_confirm(acting_user=world.centre_2, line=line)
    assert_ledger_holds()


# --- Withdrawal ---------------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["submitted", "accepted", "with_institution"])
def test_the_learner_withdraws_before_any_decision(world, state):
    course = world.course()
    application = world.application(state, courses=[course])
    assert "withdraw" in application_actions(world.learner, application)
    services.application_withdraw(acting_user=world.learner, application=application, reason="")
    application.refresh_from_db()
    assert application.status == Status.WITHDRAWN
    assert not LineHolding.objects.filter(active=True, line__application=application).exists()
    assert world.submit([course]).status == Status.SUBMITTED


def test_no_withdrawal_once_a_line_is_decided(world):
    application = world.application("confirming")
    assert "withdraw" not in application_actions(world.learner, application)
    with pytest.raises(IllegalTransition) as refused:
        services.application_withdraw(acting_user=world.learner, application=application)
    assert refused.value.code == "decided"


def test_only_the_learner_withdraws(world):
    application = world.application("submitted")
    with pytest.raises(NotAllowed):
        services.application_withdraw(acting_user=world.accepter, application=application)


# --- Appeal -------------------------------------------------------------------------------------


def test_an_appeal_holds_the_refused_lines_again_for_a_reviewer_who_took_no_part(world):
    application = world.application("partly_approved")
    approved, refused = application.lines.order_by("pk")
    assert "appeal" in application_actions(world.learner, application)
    with pytest.raises(InvalidInput):
        services.application_appeal(acting_user=world.learner, application=application, reason="")
    services.application_appeal(
        acting_user=world.learner, application=application, reason="证书有效"
    )
    application.refresh_from_db()
    refused.refresh_from_db()
    assert application.status == Status.APPEALED and application.appeal_reason == "证书有效"
    # The appeal is promised a decision within the same working days, from its own day.
    assert application.due_on == add_working_days(
        timezone.localdate(application.appealed_at),
        settings.CREDITBANK_CONVERSION_DUE_WORKING_DAYS,
    )
    assert refused.status == LineStatus.APPEALED
    assert LineHolding.objects.get(line=refused).active
    assert line_actions(world.reviewer, refused) == set()
    with pytest.raises(NotAllowed):
        services.line_decide(acting_user=world.reviewer, line=refused, approve=True)
    services.line_decide(acting_user=world.reviewer_2, line=refused, approve=True)
    refused.refresh_from_db()
    application.refresh_from_db()
    assert (refused.status, refused.stage) == (LineStatus.APPROVED, "appeal")
    assert application.status == Status.APPROVED
    assert ConversionEntry.objects.filter(line__application=application).count() == 2
    assert_ledger_holds()


def test_there_is_no_second_appeal(world):
    application = world.application("appealed")
    services.line_decide(
        acting_user=world.reviewer_2, line=world.line(application), approve=False, reason="仍不符"
    )
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert appeal_deadline(application) is None
    assert "appeal" not in application_actions(world.learner, application)
    with pytest.raises(IllegalTransition) as refused:
        services.application_appeal(
            acting_user=world.learner, application=application, reason="再议"
        )
    assert refused.value.code == "appeal_used"


def test_an_appeal_after_the_period_is_refused(world, settings):
    application = world.application("rejected")
    ConversionApplication.objects.filter(pk=application.pk).update(
        decided_at=timezone.now() - timedelta(days=settings.CREDITBANK_APPEAL_DAYS + 1)
    )
    application.refresh_from_db()
    assert "appeal" not in application_actions(world.learner, application)
    with pytest.raises(IllegalTransition) as refused:
        services.application_appeal(
            acting_user=world.learner, application=application, reason="迟到"
        )
    assert refused.value.code == "appeal_late"


def test_an_appeal_cannot_hold_an_achievement_used_since(world):
    course = world.course()
    application = world.application("rejected", courses=[course])
    world.submit([course])  # the achievement is free after the refusal: used again
    with pytest.raises(InvalidInput) as refused:
        services.application_appeal(
            acting_user=world.learner, application=application, reason="请复议"
        )
    assert refused.value.code == "used_since"
    application.refresh_from_db()
    assert application.status == Status.REJECTED
    assert world.line(application).status == LineStatus.REFUSED


def test_once_anywhere_an_achievement_converts_at_one_institution_only(world, settings):
    from tests.conversion.factories import ProgrammeFactory

    settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE = True
    course = world.course()
    world.submit([course])
    elsewhere = ProgrammeFactory(graduation_credits=Decimal("400.00"))
    there = world.course(holder=False, programme=elsewhere, standard=course.standard)
    with pytest.raises(InvalidInput):
        world.submit([there], programme=elsewhere)
    settings.CREDITBANK_CONVERSION_ONCE_ANYWHERE = False
    assert world.submit([there], programme=elsewhere).institution == elsewhere.institution


def test_the_learners_notice_is_in_the_sites_language_whatever_the_staffs(world):
    application = world.application("submitted")
    with translation.override("en"):
        services.application_accept(acting_user=world.accepter, application=application)
    notice = Notice.objects.filter(user=world.learner).latest("pk")
    assert "已受理" in notice.title
