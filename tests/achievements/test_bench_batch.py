"""``manage.py bench_batch`` measures batch recognition beside its floors at a tiny size and
prints its table; it refuses a database that is not a bench database. And the normaliser's
speed-ups (remembered conversions, fast paths for clean cells) change no row's outcome."""

import itertools
import os
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from achievements.batch.normalise import COLUMNS, normalise_row
from achievements.management.commands import bench_batch
from achievements.models import Achievement, ImportBatch
from tests.achievements.factories import AchievementCategoryFactory, QualificationLevelFactory


class Cell(str):
    """Text that is not exactly ``str``: the normaliser takes its full path for it (no
    remembered conversion, no fast path), as it did before the speed-ups."""


MESSY = {
    "external_id": [
        "R-1",
        " R-2 ",
        "ＡＢＣ１２３",
        "1.5E+3",
        "a<b",
        "x" * 65,
        "R 3",
        "R\t4",
        "2024/001",
        "é",
    ],
    "id_number": [
        "11010519491231002X",
        "11010519491231002x",
        "110105491231002",
        "11010519491231002",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 1949 1231 002X",
        "110105-19491231-002X",
        "110105194912310021",
        "110105194902300023",
        "990105194912310027",
        "5.00101E+17",
        "110105209912310020",
        "",
    ],
    "account_number": ["", "CB00000000018", "cb 0000000001-8", "CB00000000019", "XX1"],
    "name": ["张三", " 张 三 ", "买买提·艾力", "a<b", "王五", "Ｊｏｈｎ", "张\u200b三"],
    "title": ["高等数学（一）", "  Python  程序设计 ", "<b>x</b>", "ＡＢＣ课程", "x" * 201, "数学"],
    "obtained_on": [
        "2024-06-30",
        "2024/6/30",
        "2024年6月30日",
        "20240630",
        "45000",
        "2024-02-30",
        "30/6/2024",
        "2099-01-01",
        "1949-12-31",
        "2024.6.30 08:00",
        "45000.5",
    ],
    "result": [
        "优秀",
        "A+",
        "b-",
        "85",
        "85分",
        "100.001",
        "pass",
        "PASS",
        "合格",
        "未通过",
        "abc",
        "60",
        " 良 好 ",
        "101",
    ],
    "credits": ["2", "4学分", "-1", "10000", "0.005", "abc", "0", "1.50", ""],
    "hours": ["32", "1.25", "16学时", "-3", "", "48.0"],
    "certificate_number": ["", "C-1", "5E+10", "Ｃ－２"],
}


def messy_rows(count: int):
    cycles = {column: itertools.cycle(values) for column, values in MESSY.items()}
    for _ in range(count):
        yield {column: next(cycles[column]) or None for column in COLUMNS}


def outcome(raw):
    clean, errors = normalise_row(raw)
    return clean, [(error.field, error.code, error.message) for error in errors]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_normalisers_speed_ups_change_no_row(language):
    rows = list(messy_rows(400))
    rows += [
        dict(zip(COLUMNS, bench_batch.bench_row(n, "T", 50, workbook=workbook), strict=True))
        for n in range(1, 200)
        for workbook in (False, True)
    ]
    with translation.override(language):
        for raw in rows * 2:  # the second time from what was remembered
            full = {k: Cell(v) if type(v) is str else v for k, v in raw.items()}
            assert outcome(raw) == outcome(full), raw


def test_it_refuses_a_database_that_is_not_a_bench_database(db):
    with pytest.raises(CommandError, match="not a bench database"):
        call_command("bench_batch", rows=2, memory_rows=0)


def _database_url() -> str:
    """The test database, for the command's child process."""
    parts = urlsplit(os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/x"))
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


# The child process reads what the command committed.
@pytest.mark.django_db(transaction=True)
def test_the_benchmark_prints_its_table(monkeypatch, capsys):
    monkeypatch.setattr(bench_batch, "require_bench_database", lambda: "test")
    monkeypatch.setenv("DATABASE_URL", _database_url())
    # The level and the category the world uses (a transactional test before may have flushed
    # the seeded ones).
    QualificationLevelFactory(number=4)
    AchievementCategoryFactory(code=bench_batch.CATEGORY, validity_years=None)
    call_command("bench_batch", rows=40, learners=15, memory_rows=30, runs=1)
    out = capsys.readouterr().out
    assert "| (a) psycopg COPY of the same rows (floor), median of 1 | 40 |" in out
    assert "| (b) CSV end to end" in out and "| (d) XLSX end to end" in out
    assert "| (e) CSV end to end in a fresh process, memory | 30 |" in out
    assert "PROBLEMS" not in out
    assert "- CSV end to end, where the time goes: validation " in out
    # Both files and the memory file were committed as the rows say.
    batches = ImportBatch.objects.order_by("pk")
    assert [b.status for b in batches] == ["done"] * 3
    assert [b.rows_read for b in batches] == [40, 40, 30]
    # (f) and (g) wrote the CSV's committed rows again, then rolled back: the count below holds.
    written = batches[0].recognised + batches[0].deposited
    assert (
        "| (f) the rows (b) committed, written again as achievements alone, median of 1 | "
        f"{written} |" in out
    )
    assert (
        f"| (g) the same, the table bare (its primary key only), median of 1 | {written} |" in out
    )
    assert Achievement.objects.filter(batch__in=batches).count() == sum(
        b.recognised + b.deposited for b in batches
    )
    # Made once and kept: a second run adds no learner.
    assert bench_batch.bench_learners() == 15
    call_command("bench_batch", rows=5, learners=15, memory_rows=0, runs=1)
    assert bench_batch.bench_learners() == 15
    assert ImportBatch.objects.count() == 5
