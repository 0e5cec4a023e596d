"""``manage.py bench_conversion_data`` and ``bench_conversion``: the conversion benchmark's data
set is what the services would have written (atoms match the sources, targets fit their
programmes, published versions never overlap), and neither command runs on a database that is
not a bench database."""

from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, transaction
from django.db.models import Count

from achievements.management.commands import bench_data
from conversion.management.commands import bench_conversion, bench_conversion_data
from conversion.models import (
    ConversionRule,
    Course,
    Programme,
    RuleAtom,
    RuleTarget,
    RuleVersion,
)
from conversion.source import atoms_rows, iter_atoms, source_check
from tests.achievements.factories import AchievementCategoryFactory, QualificationLevelFactory

# The generator commits a chunk per transaction and vacuums afterwards.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bench(monkeypatch):
    """The test database as a bench database (its name has no 'bench' in it), with the levels
    and categories the data sets pick from (an earlier transactional test may have flushed the
    seeded ones)."""
    for module in (bench_data, bench_conversion_data, bench_conversion):
        monkeypatch.setattr(module, "require_bench_database", lambda: "test")
    for number in range(2, 7):
        QualificationLevelFactory(number=number)
    AchievementCategoryFactory(validity_years=3)
    AchievementCategoryFactory(code="vocational_skill_certificate", validity_years=None)
    AchievementCategoryFactory(code="online_course", validity_years=5)

    def generate(institutions, **options):
        call_command(
            "bench_conversion_data",
            institutions=institutions,
            courses=institutions * 20,
            rules=institutions * 4,
            verbosity=0,
            **options,
        )

    return generate


def atom_row(atom) -> tuple:
    return (
        atom.path,
        atom.kind,
        atom.standard_code,
        atom.category_id,
        atom.certificate_id,
        atom.course_id,
        atom.subject_id,
    )


def test_the_data_set_is_consistent_and_extends_to_the_larger_size(bench):
    bench(6, chunk=4)
    assert bench_conversion_data.bench_institution_count() == 6
    bench(12, chunk=5)  # extended, as the benchmark does from a tenth to the full size

    assert bench_conversion_data.bench_institution_count() == 12
    assert Programme.objects.count() == 12 * bench_conversion_data.PROGRAMMES_PER_INSTITUTION
    assert Course.objects.count() == 12 * 20
    assert ConversionRule.objects.count() == 12 * 4
    versions = list(RuleVersion.objects.prefetch_related("atoms", "authors"))
    assert len(versions) == 12 * 4
    assert {v.status for v in versions} == {"published"}
    assert all(v.published_at and v.approved_at and v.authors.exists() for v in versions)
    # Every shape of source occurs, and each is a tree the services would accept as it is.
    assert len({v.source["type"] for v in versions}) == 3
    for version in versions:
        assert source_check(version.source) == version.source
        stored = sorted(atom_row(a) for a in version.atoms.all())
        assert stored == sorted(atom_row(a) for a in atoms_rows(version))
        assert [path for path, _atom in iter_atoms(version.source)] == sorted(
            a.path for a in version.atoms.all()
        )
    assert set(RuleAtom.objects.values_list("kind", flat=True)) == {
        "certificate",
        "course",
        "self_study",
        "category",
    }
    # A course atom names a course of another institution.
    for atom in RuleAtom.objects.filter(kind="course").select_related("course", "version__rule"):
        assert atom.course.institution_id != atom.version.rule.institution_id
    # Targets: courses of the version's programme, credits within the course's.
    for target in RuleTarget.objects.select_related("course", "version"):
        assert target.course.programmes.filter(pk=target.version.programme_id).exists()
        if target.outcome == "credits":
            assert 0 < target.credits <= target.course.credits
        else:
            assert target.credits is None
    # Published versions of a rule never overlap (each rule has one here; the constraint holds).
    ranges = defaultdict(list)
    for version in versions:
        ranges[version.rule_id].append((version.valid_from, version.valid_end))
    for spans in ranges.values():
        spans.sort(key=lambda span: span[0])
        for (_start, end), (next_start, _end) in zip(spans, spans[1:], strict=False):
            assert end is not None and end < next_start
    assert not RuleVersion.objects.values("rule").annotate(n=Count("pk")).filter(n__gt=1)


def test_a_published_bench_version_is_frozen_like_any_other(bench):
    bench(4, chunk=4)
    version = RuleVersion.objects.published().first()
    with pytest.raises(DatabaseError), transaction.atomic():
        RuleVersion.objects.filter(pk=version.pk).update(source={"type": "all", "items": []})
    with pytest.raises(DatabaseError), transaction.atomic():
        RuleTarget.objects.filter(version=version).update(credits=None, outcome="exemption")


def test_the_benchmark_measures_the_lookup_beside_the_archive(bench, capsys):
    call_command(
        "bench_conversion",
        institutions=20,
        courses=400,
        rules=80,
        learners=10,
        rounds=3,
        warmup=1,
    )
    out = capsys.readouterr().out
    assert "| | 2 institutions | 20 institutions |" in out
    assert "Archive (learner) `/my/archive/`" in out
    assert "Lookup: a certificate held" in out
    assert "p95 against the archive's p95" in out
    assert bench_conversion_data.bench_institution_count() == 20


@pytest.mark.parametrize("command", ["bench_conversion_data", "bench_conversion"])
def test_it_refuses_a_database_that_is_not_a_bench_database(command):
    with pytest.raises(CommandError, match="not a bench database"):
        call_command(command, institutions=20, verbosity=0)
    assert not Course.objects.exists()
