"""``manage.py bench_simulate``: the what-if simulator's benchmark prepares its programme and
learners once (rules naming what the learner holds), measures the simulator beside the archive
and the engine alone, and refuses a database that is not a bench database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from accounts.models import LearnerAccount
from achievements.management.commands import bench_data
from achievements.models import Achievement
from conversion.management.commands import bench_conversion_data, bench_simulate
from conversion.models import Programme, RuleVersion
from conversion.simulation import situation_for
from tests.achievements.factories import AchievementCategoryFactory, QualificationLevelFactory

# The generators commit a chunk per transaction and vacuum afterwards.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bench(monkeypatch):
    """The test database as a bench database, with the levels and categories the data sets
    pick from (an earlier transactional test may have flushed the seeded ones)."""
    for module in (bench_data, bench_conversion_data, bench_simulate):
        monkeypatch.setattr(module, "require_bench_database", lambda: "test")
    for number in range(2, 7):
        QualificationLevelFactory(number=number)
    for code in ("training", "academic_course", "self_study_exam"):
        AchievementCategoryFactory(code=code, validity_years=None)
    AchievementCategoryFactory(code="vocational_skill_certificate", validity_years=None)
    AchievementCategoryFactory(code="online_course", validity_years=5)


def run(**options):
    call_command(
        "bench_simulate",
        rules=16,
        institutions=12,
        courses=240,
        conversion_rules=48,
        learners=10,
        rounds=3,
        warmup=1,
        engine_rounds=3,
        **options,
    )


def test_the_benchmark_measures_the_simulator_beside_the_archive_and_the_engine(bench, capsys):
    run()
    out = capsys.readouterr().out
    assert "Archive (bench learner, 20 achievements) `/my/archive/`" in out
    assert "Simulator (50 achievements, 16 rules) `/my/conversion/simulate/?programme=…`" in out
    assert "Simulator p95 against the archive's p95" in out
    assert "Simulator SQL queries, 10 → 50 achievements" in out
    assert "`engine.evaluate` alone (50 holdings, 16 rules, 16 courses)" in out
    assert "(constant)" in out

    programme = Programme.objects.get(code=bench_simulate.PROGRAMME_CODE)
    today = timezone.localdate()
    assert RuleVersion.objects.in_force_on(today).filter(programme=programme).count() == 16
    for size in (10, 50):
        username = bench_simulate.simulate_learner_username(size)
        achievements = Achievement.objects.filter(account__user__username=username)
        assert achievements.filter(status="recognised", recognition__isnull=False).count() == size
    # The rules name what the learner holds: the adapter finds certificates, subjects and
    # courses the 16 rules name among the 50 holdings (and each holding's unit standard).
    account = LearnerAccount.objects.get(
        user__username=bench_simulate.simulate_learner_username(50)
    )
    situation = situation_for(programme, today, account=account)
    assert sum(1 for h in situation.holdings if h.certificates) >= 4
    assert len({h.standard for h in situation.holdings if h.standard}) == 10
    assert sum(1 for h in situation.holdings if h.subjects) >= 2
    assert sum(1 for h in situation.holdings if h.courses) >= 2

    # Run again: nothing is added twice.
    versions = RuleVersion.objects.count()
    run()
    assert RuleVersion.objects.count() == versions
    assert (
        Achievement.objects.filter(account__user__username__startswith="bench-simulate-").count()
        == 60
    )


def test_it_refuses_a_database_that_is_not_a_bench_database():
    with pytest.raises(CommandError, match="not a bench database"):
        call_command("bench_simulate", rounds=3)
    assert not Programme.objects.exists()
