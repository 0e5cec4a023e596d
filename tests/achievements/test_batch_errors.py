"""The error file of a batch (achievements.batch.errors): the refused rows as they were sent,
each with what to fix; text stays text, dates stay dates; written a chunk of rows at a time."""

import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from achievements.batch import errors, reader
from achievements.models import AchievementCategory, ImportBatch, ImportRow
from achievements.services.batch import seal_raw

pytestmark = pytest.mark.django_db

WIDTH = len(reader.COLUMNS)


@pytest.fixture
def batch(people):
    institution = people["institution_clerk"].institution_roles.get().institution
    return ImportBatch.objects.create(
        institution=institution,
        category=AchievementCategory.objects.active().first(),
        source=ImportBatch.Source.UPLOAD,
        mode=ImportBatch.Mode.VALID_ROWS,
        status=ImportBatch.Status.DONE,
        file_format="csv",
        sha256="0" * 64,
        created_by=people["institution_clerk"],
    )


def refuse(batch, number, raw, problems):
    ImportRow.objects.create(
        batch=batch,
        row_number=number,
        outcome=ImportRow.Outcome.REFUSED,
        external_id=str(raw.get("external_id") or ""),
        raw_sealed=seal_raw(raw),
        errors=json.loads(json.dumps(problems)),
    )


def written(batch) -> list[list]:
    out = io.BytesIO()
    errors.write_refused_xlsx(batch, out)
    sheet = load_workbook(io.BytesIO(out.getvalue()))[reader.DATA_SHEET]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_each_error_follows_its_columns_heading_one_a_line():
    lines = errors.error_lines(
        [["result", "grade", "成绩无法识别。"], ["name", "name_mismatch", "姓名不一致。"]]
    )
    assert lines == "成绩：成绩无法识别。\n姓名：姓名不一致。"
    assert errors.error_lines([["", "x", "整行有误。"]]) == "整行有误。"


def test_the_cells_come_back_as_they_were_sent_text_as_text_and_dates_as_dates(batch):
    refuse(
        batch,
        7,
        {
            "external_id": '=HYPERLINK("http://example.com")',
            "id_number": "11010519491231002X",
            "name": "张三",
            "title": "高等数学",
            "obtained_on": "2024-06-30 00:00:00",
            "result": 85.0,
            "credits": "4",
        },
        [["result", "score", "分数有误。"]],
    )
    refuse(batch, 3, {"external_id": "R-3", "obtained_on": "2024-02-30"}, [["x", "y", "错"]])
    out = io.BytesIO()
    errors.write_refused_xlsx(batch, out)
    workbook = load_workbook(io.BytesIO(out.getvalue()))
    sheet = workbook[reader.DATA_SHEET]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == [
        *(reader.HEADINGS[key] for key in reader.COLUMNS),
        errors.ROW_HEADING,
        errors.ERRORS_HEADING,
    ]
    # In the file's order; an impossible date stays the text it was.
    assert [row[WIDTH] for row in rows[1:]] == [3, 7]
    assert rows[1][5] == "2024-02-30"
    first = dict(zip(reader.COLUMNS, rows[2], strict=False))
    assert first["external_id"] == '=HYPERLINK("http://example.com")'
    assert sheet.cell(row=3, column=1).data_type == "s"  # never a formula
    assert first["id_number"] == "11010519491231002X"
    assert sheet.cell(row=3, column=2).number_format == "@"
    assert first["obtained_on"] == datetime.datetime(2024, 6, 30)
    assert first["result"] == 85 and first["account_number"] is None
    assert rows[2][-1] == "成绩：分数有误。"


def test_a_batch_of_many_refused_rows_is_written_whole_in_order(batch):
    rows = [
        ImportRow(
            batch=batch,
            row_number=n,
            outcome=ImportRow.Outcome.REFUSED,
            external_id=f"R-{n}",
            raw_sealed=seal_raw({"external_id": f"R-{n}", "name": "李四"}),
            errors=[["name", "name_mismatch", "姓名不一致。"]],
        )
        for n in range(2, 2 + errors.READ_CHUNK * 2 + 5)
    ]
    ImportRow.objects.bulk_create(rows)
    ImportRow.objects.create(batch=batch, row_number=99_999, outcome=ImportRow.Outcome.DEPOSITED)
    table = written(batch)
    assert len(table) == 1 + len(rows)
    assert [row[0] for row in table[1:]] == [f"R-{n}" for n in range(2, 2 + len(rows))]
    assert [row[WIDTH] for row in table[1:3]] == [2, 3]
