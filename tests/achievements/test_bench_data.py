"""``manage.py bench_data`` writes the audit events of the steps it simulates, chained and signed,
so that ``check_ledger`` and ``verify_audit_chain`` hold on the bench data set."""

import pytest
from django.core.management import call_command

from achievements.management.commands import bench_data
from achievements.models import AchievementEvent, CreditEntry, Recognition
from achievements.services import ledger_problems
from creditbank.audit import audit_record, verify_chain
from creditbank.models import AuditEvent
from tests.achievements.factories import AchievementCategoryFactory, QualificationLevelFactory

# bench_data commits a chunk per transaction and vacuums afterwards.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bench(monkeypatch):
    """The test database as a bench database (its name has no 'bench' in it), with the levels
    and a category with a validity that the data set picks from (an earlier transactional
    test may have flushed the seeded ones)."""
    monkeypatch.setattr(bench_data, "require_bench_database", lambda: "test")
    for number in range(2, 7):
        QualificationLevelFactory(number=number)
    AchievementCategoryFactory(validity_years=3)

    def generate(learners, **options):
        call_command("bench_data", learners=learners, verbosity=0, **options)

    return generate


def test_it_writes_an_audit_event_per_step_chained_onto_the_existing_head(bench):
    before = audit_record(actor=None, action="test.before", object_type="test", object_id=1)
    bench(40, chunk=15)
    steps = AuditEvent.objects.filter(object_type="achievements.achievement")
    assert steps.count() == AchievementEvent.objects.count()
    # The reference data (the districts loaded through their service) comes first.
    first = AuditEvent.objects.filter(pk__gt=before.pk).order_by("pk").first()
    assert first.prev_hash == before.hash
    bench(60)  # extended: chained onto the first run's head
    assert steps.count() == AchievementEvent.objects.count()
    report = verify_chain()
    assert report.intact, report.problem
    assert report.checked == AuditEvent.objects.count()
    assert list(ledger_problems()) == []


def test_its_ledger_steps_cite_their_decisions_and_entries_by_the_right_people(bench):
    bench(60)
    re_reviewed = Recognition.objects.filter(re_reviewed_by__isnull=False).first()
    assert re_reviewed is not None
    events = AuditEvent.objects.filter(object_id=str(re_reviewed.achievement_id))
    recognise = events.get(action="achievement.recognise")
    confirm = events.get(action="achievement.confirm")
    assert recognise.actor_id == re_reviewed.decided_by_id
    assert recognise.summary["after"]["status"] == "confirming"
    assert recognise.summary["after"]["decision"] == re_reviewed.pk
    assert confirm.actor_id == re_reviewed.re_reviewed_by_id != re_reviewed.decided_by_id
    assert confirm.summary == {
        "before": {"status": "confirming"},
        "after": {
            "status": "recognised",
            "decision": re_reviewed.pk,
            "decided_by": re_reviewed.decided_by_id,
        },
    }
    reversal = CreditEntry.objects.filter(kind=CreditEntry.Kind.REVERSAL).first()
    revoke = AuditEvent.objects.get(
        object_id=str(reversal.achievement_id), action="achievement.revoke"
    )
    assert revoke.summary["after"] == {
        "status": "revoked",
        "credit_entry": reversal.pk,
        "credits": str(reversal.amount),
    }
    assert revoke.created_at == reversal.created_at


def test_it_can_write_only_the_audit_events_check_ledger_needs(bench):
    bench(30, audit_steps="ledger")
    actions = set(
        AuditEvent.objects.filter(object_type="achievements.achievement").values_list(
            "action", flat=True
        )
    )
    assert actions == {
        "achievement.recognise",
        "achievement.confirm",
        "achievement.revoke",
        "achievement.expire",
    }
    assert verify_chain().intact
    assert list(ledger_problems()) == []
