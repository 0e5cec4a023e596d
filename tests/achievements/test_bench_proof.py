"""``manage.py bench_proof`` renders and signs transcripts beside WeasyPrint alone, measures a
fresh process's memory, and the verification page beside the archive; it refuses a database
that is not a bench database."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from achievements.management.commands import bench_data, bench_proof
from achievements.proof.pdf import render_document_pdf
from tests.achievements.factories import AchievementCategoryFactory, QualificationLevelFactory

# bench_data commits a chunk per transaction and vacuums afterwards.
pytestmark = pytest.mark.django_db(transaction=True)


def test_it_refuses_a_database_that_is_not_a_bench_database():
    with pytest.raises(CommandError, match="not a bench database"):
        call_command("bench_proof", runs=2)


def test_the_sample_transcript_grows_by_pages_and_its_lines_add_up():
    content = bench_proof.transcript_content(40)
    assert len(content["achievements"]) == content["totals"]["achievements"] == 40
    grouped = sorted(i for group in content["groups"] for i in group["achievement_ids"])
    assert grouped == sorted(item["id"] for item in content["achievements"])
    _pdf, small = render_document_pdf(bench_proof.sample_document(2), verify_url="https://x/")
    _pdf, large = render_document_pdf(bench_proof.sample_document(60), verify_url="https://x/")
    assert small == 1 < large


def test_the_benchmark_prints_its_table(monkeypatch, capsys, settings, tmp_path):
    settings.CREDITBANK_PROOF_SIGNING_DIR = tmp_path / "signing"
    for module in (bench_data, bench_proof):
        monkeypatch.setattr(module, "require_bench_database", lambda: "test")
    # The levels and a category the data set picks from (an earlier transactional test may
    # have flushed the seeded ones).
    for number in range(2, 7):
        QualificationLevelFactory(number=number)
    AchievementCategoryFactory(validity_years=3)
    call_command("bench_data", learners=4, verbosity=0)
    call_command("bench_proof", sizes="1", runs=2, warmup=0, requests=2)
    out = capsys.readouterr().out
    assert "| 1 page(s), " in out
    assert "Against the floor: at most ×" in out
    assert "Verification page" in out and "Archive (bench learner) `/my/archive/`" in out
