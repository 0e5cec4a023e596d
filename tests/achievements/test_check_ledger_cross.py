"""``check_ledger`` cross-checks the ledger with the decisions, the history and the audit log:
what whoever owns the database can forge (a rejection turned into a recognition with sums that
agree, a revocation undone, a re-review skipped or done by the decider) is named, and every
legitimate flow still passes."""

from contextlib import contextmanager
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from achievements import services
from achievements.models import Achievement, CreditEntry, Recognition
from tests.accounts.factories import RoleGrantFactory

pytestmark = pytest.mark.django_db

Status = Achievement.Status
LEDGER_TABLES = (
    "achievements_achievement",
    "achievements_recognition",
    "achievements_creditentry",
)


@contextmanager
def as_owner():
    """What the owner of the database can do: switch off every trigger of the ledger's tables
    (the ledger's append-only one and the foreign keys), write raw SQL, switch them on again."""
    with connection.cursor() as cursor:
        # The test's transaction has deferred foreign-key checks pending: run them first.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in LEDGER_TABLES:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER ALL")
        yield cursor
        for table in LEDGER_TABLES:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER ALL")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def violations(capsys) -> list[str]:
    """Run check_ledger, which must exit non-zero, and return the violations it named."""
    capsys.readouterr()
    with pytest.raises(CommandError) as failed:
        call_command("check_ledger")
    lines = [
        line.removeprefix("VIOLATION: ")
        for line in capsys.readouterr().err.splitlines()
        if line.startswith("VIOLATION: ")
    ]
    assert str(failed.value).startswith(f"The credit ledger has {len(lines)} violation(s)")
    return lines


def passes(capsys) -> str:
    capsys.readouterr()
    call_command("check_ledger")
    captured = capsys.readouterr()
    assert "VIOLATION" not in captured.err
    return captured.out


def no_audit(entry: CreditEntry, cites: str) -> str:
    steps = {
        "deposit": "achievement.recognise or achievement.confirm",
        "reversal": "achievement.revoke",
        "expiry": "achievement.expire",
    }[entry.kind]
    return (
        f"credit entry #{entry.pk} ({entry.kind}, achievement #{entry.achievement_id}) has no "
        f"audit event of the step that wrote it ({steps} citing {cites}, at that time)"
    )


# --- Forgeries by whoever owns the database ----------------------------------------------------


@pytest.mark.parametrize("forgery", ["a new decision", "the rejection rewritten"])
def test_a_rejection_forged_into_a_recognition_with_sums_that_agree_is_named(
    review, capsys, forgery
):
    review.recognised()  # a sound one beside it, which stays unnamed
    rejected = review.rejected()
    rejection = Recognition.objects.get(achievement=rejected)
    level = review.standard.level_id
    with as_owner() as sql:
        if forgery == "a new decision":
            sql.execute(
                """
                INSERT INTO achievements_recognition (
                    achievement_id, stage, outcome, status, unit_standard_id, credits,
                    level_id, field, reason, decided_by_id, decided_as, decided_at,
                    re_reviewed_by_id, re_reviewed_at, re_review_note)
                VALUES (%s, 'first', 'recognised', 'in_force', NULL, 3.00, %s, '信息技术', '',
                        %s, 'expert', now(), NULL, NULL, '')
                RETURNING id
                """,
                [rejected.pk, level, review["expert"].pk],
            )
            decision = sql.fetchone()[0]
        else:
            sql.execute(
                """
                UPDATE achievements_recognition
                SET outcome = 'recognised', credits = 3.00, level_id = %s, field = '信息技术',
                    reason = ''
                WHERE id = %s
                """,
                [level, rejection.pk],
            )
            decision = rejection.pk
        sql.execute(
            """
            UPDATE achievements_achievement
            SET status = 'recognised', recognition_id = %s, valid_until = '2029-06-01',
                status_changed_at = now(), updated_at = now()
            WHERE id = %s
            """,
            [decision, rejected.pk],
        )
        sql.execute(
            """
            INSERT INTO achievements_creditentry (
                account_id, achievement_id, recognition_id, kind, amount, level_id, field,
                reverses_id, note, created_by_id, created_at)
            VALUES (%s, %s, %s, 'deposit', 3.00, %s, '信息技术', NULL, '', %s, now())
            RETURNING id
            """,
            [review.account.pk, rejected.pk, decision, level, review["expert"].pk],
        )
        forged = CreditEntry.objects.get(pk=sql.fetchone()[0])
    assert services.balance_of(review.account).total == Decimal("6.00")

    # Each entry's cause, the cancelling entries and the sums all agree: only the decisions'
    # history and the audit log give the forgery away, and they name it.
    assert violations(capsys) == [
        no_audit(forged, f"recognition #{decision}"),
        f"credit entry #{forged.pk} (deposit, achievement #{rejected.pk}): the achievement's "
        "history shows no recognise or confirm step leaving it recognised at that time",
        f"achievement #{rejected.pk} is recognised with credits on the ledger, but its history "
        "last left it rejected",
    ]


def test_a_revocation_undone_by_deleting_its_reversal_is_named(review, capsys):
    achievement = review.recognised()
    services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=achievement, reason="证书系伪造。"
    )
    with as_owner() as sql:
        sql.execute(
            "DELETE FROM achievements_creditentry WHERE achievement_id = %s AND kind = 'reversal'",
            [achievement.pk],
        )
        sql.execute(
            "UPDATE achievements_achievement SET status = 'recognised' WHERE id = %s",
            [achievement.pk],
        )
    assert violations(capsys) == [
        f"achievement #{achievement.pk} is recognised with credits on the ledger, but its "
        "history last left it revoked",
    ]


def test_an_entry_moved_away_from_its_step_in_time_is_named(review, capsys):
    """An audit event and a history step of another time do not vouch for an entry."""
    achievement = review.recognised()
    entry = CreditEntry.objects.get()
    with as_owner() as sql:
        sql.execute(
            "UPDATE achievements_creditentry SET created_at = created_at - interval '1 hour' "
            "WHERE id = %s",
            [entry.pk],
        )
    assert violations(capsys) == [
        no_audit(entry, f"recognition #{entry.recognition_id}"),
        f"credit entry #{entry.pk} (deposit, achievement #{achievement.pk}): the achievement's "
        "history shows no recognise or confirm step leaving it recognised at that time",
    ]


# --- Every entry has its audit event -------------------------------------------------------------


@pytest.mark.parametrize("kind", ["deposit", "reversal", "expiry"])
def test_an_entry_without_its_audit_event_is_named(review, capsys, monkeypatch, kind):
    achievement = review.recognised() if kind != "deposit" else review.forwarded()
    # The step runs as usual (entry, history, notice) but writes no audit event.
    monkeypatch.setattr("achievements.services.workflow.audit_record", lambda **kwargs: None)
    if kind == "deposit":
        services.achievement_recognise(
            acting_user=review["expert"], achievement=achievement, unit_standard=review.standard
        )
    elif kind == "reversal":
        services.achievement_revoke(
            acting_user=review["centre_admin"], achievement=achievement, reason="证书系伪造。"
        )
    else:
        assert services.credits_expire_due(today=date(2029, 6, 2)) == 1
    entry = CreditEntry.objects.get(kind=kind)
    cites = f"recognition #{entry.recognition_id}" if kind == "deposit" else "the entry"
    assert violations(capsys) == [no_audit(entry, cites)]


# --- Above the threshold: a centre re-review by someone else -----------------------------------


def test_a_recognition_above_the_threshold_without_a_re_review_is_named(review, capsys, settings):
    # Recognised at once (as when the re-review was skipped), with its history and audit event.
    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("15")
    achievement = review.confirming()
    assert achievement.status == Status.RECOGNISED
    assert "1 entries checked" in passes(capsys)

    settings.CREDITBANK_RECOGNITION_REVIEW_THRESHOLD = Decimal("10")
    entry = CreditEntry.objects.get()
    expert = review["expert"].pk
    assert violations(capsys) == [
        f"credit entry #{entry.pk} (deposit, achievement #{achievement.pk}): recognition "
        f"#{entry.recognition_id} of 12.00 credits is above the re-review threshold (10) but "
        f"was not re-reviewed by someone other than its decider (decided by user #{expert}, "
        "re-reviewed by nobody)",
        f"credit entry #{entry.pk} (deposit, achievement #{achievement.pk}): the audit log does "
        f"not show recognition #{entry.recognition_id} decided by user #{expert} and "
        "re-reviewed by another person, nobody; it shows the decision by nobody and the "
        "confirmation by nobody",
    ]


def test_a_re_review_recorded_as_done_by_the_decider_is_named(review, capsys):
    achievement = review.confirming()
    services.recognition_confirm(acting_user=review["centre_admin"], achievement=achievement)
    entry = CreditEntry.objects.get()
    with as_owner() as sql:
        sql.execute(
            "ALTER TABLE achievements_recognition "
            "DROP CONSTRAINT recognition_re_reviewer_is_not_decider"
        )
        sql.execute(
            "UPDATE achievements_recognition SET re_reviewed_by_id = decided_by_id WHERE id = %s",
            [entry.recognition_id],
        )
    expert, admin = review["expert"].pk, review["centre_admin"].pk
    assert violations(capsys) == [
        f"credit entry #{entry.pk} (deposit, achievement #{achievement.pk}): recognition "
        f"#{entry.recognition_id} of 12.00 credits is above the re-review threshold (10) but "
        f"was not re-reviewed by someone other than its decider (decided by user #{expert}, "
        f"re-reviewed by user #{expert})",
        f"credit entry #{entry.pk} (deposit, achievement #{achievement.pk}): the audit log does "
        f"not show recognition #{entry.recognition_id} decided by user #{expert} and "
        f"re-reviewed by another person, user #{expert}; it shows the decision by user "
        f"#{expert} and the confirmation by user #{admin}",
    ]


def test_a_decider_who_confirmed_their_own_decision_is_named_from_the_audit_log(review, capsys):
    """The decider, also a centre administrator, rewrites who decided and then confirms it:
    the rows look like maker-checker, the audit log shows one person."""
    maker = review["expert"]
    RoleGrantFactory(user=maker, role="centre_admin")
    achievement = review.confirming()
    decision = Recognition.objects.get()
    with as_owner() as sql:
        sql.execute(
            "UPDATE achievements_recognition SET decided_by_id = %s WHERE id = %s",
            [review["expert_2"].pk, decision.pk],
        )
    services.recognition_confirm(acting_user=maker, achievement=achievement)
    entry = CreditEntry.objects.get()
    assert violations(capsys) == [
        f"credit entry #{entry.pk} (deposit, achievement #{achievement.pk}): the audit log does "
        f"not show recognition #{decision.pk} decided by user #{review['expert_2'].pk} and "
        f"re-reviewed by another person, user #{maker.pk}; it shows the decision by user "
        f"#{maker.pk} and the confirmation by user #{maker.pk}",
    ]


# --- The legitimate flows pass -----------------------------------------------------------------


def test_every_legitimate_flow_passes(review, capsys):
    review.recognised()  # at once, below the threshold
    revoked = review.recognised()
    services.achievement_revoke(
        acting_user=review["centre_admin"], achievement=revoked, reason="证书系伪造。"
    )
    expiring = review.recognised()
    confirmed = review.confirming()  # above the threshold: re-reviewed by someone else
    services.recognition_confirm(acting_user=review["centre_admin"], achievement=confirmed)
    sent_back = review.confirming()
    services.recognition_send_back(
        acting_user=review["centre_admin_2"], achievement=sent_back, reason="学分偏高。"
    )
    services.achievement_recognise(
        acting_user=review["expert_2"], achievement=sent_back, unit_standard=review.big_standard
    )
    services.recognition_confirm(acting_user=review["centre_admin"], achievement=sent_back)
    appealed = review.rejected()
    services.achievement_appeal(
        acting_user=review["learner"], achievement=appealed, statement="另有学习记录。"
    )
    services.achievement_recognise(
        acting_user=review["expert_2"], achievement=appealed, unit_standard=review.big_standard
    )
    services.recognition_confirm(acting_user=review["centre_admin_2"], achievement=appealed)
    # Every recognition above is valid until 2029-06-01: the five recognised ones expire.
    assert services.credits_expire_due(today=date(2029, 6, 2)) == 5
    expiring.refresh_from_db()
    assert expiring.status == Status.EXPIRED

    assert list(services.ledger_problems()) == []
    out = passes(capsys)
    assert f"{CreditEntry.objects.count()} entries checked" in out
    assert CreditEntry.objects.filter(kind="expiry").exists()
    assert CreditEntry.objects.filter(kind="reversal").count() == 1
