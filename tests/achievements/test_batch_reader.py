"""Result files read row by row: the header found below title rows, CSV in the encodings Excel
saves, XLSX through calamine, in constant memory; and the template clerks fill in.

No database: the files are made here (the XLSX with openpyxl, as Excel would save them).
"""

import csv
import datetime as dt
import io
import tracemalloc
from decimal import Decimal

import openpyxl
import pytest
from django.utils import translation

from achievements.batch import reader
from achievements.batch.normalise import normalise_row
from achievements.batch.reader import FileError, read_csv, read_file, read_xlsx

HEADER = ["外部编号", "身份证号码", "姓名", "成果名称", "取得日期", "成绩", "学分"]
ROW = ["2024-CS101-0001", "11010519491231002X", "张三", "高等数学（一）", "2024-06-30", "优秀", "4"]
EXPECTED = {
    "external_id": "2024-CS101-0001",
    "id_number": "11010519491231002X",
    "name": "张三",
    "title": "高等数学（一）",
    "obtained_on": "2024-06-30",
    "result": "优秀",
    "credits": "4",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def csv_bytes(rows, encoding="utf-8") -> bytes:
    text = io.StringIO(newline="")
    csv.writer(text).writerows(rows)
    return text.getvalue().encode(encoding)


def read(data: bytes) -> list:
    return list(read_csv(io.BytesIO(data)))


def refusal(data: bytes) -> str:
    with pytest.raises(FileError) as caught:
        read(data)
    return caught.value.message


# --- The header row ------------------------------------------------------------------------------


def test_the_headings_are_the_columns_of_a_row():
    assert tuple(reader.HEADINGS) == reader.COLUMNS
    assert read(csv_bytes([HEADER, ROW])) == [(2, EXPECTED)]


def test_title_rows_and_blank_lines_above_the_header_are_passed_over():
    data = csv_bytes(
        [
            ["重庆开放大学 2024 年春季学期成绩", "", "", ""],
            [],
            ["", "", ""],
            ["填表人：李四"],
            HEADER,
            ROW,
        ]
    )
    assert read(data) == [(6, EXPECTED)]


def test_blank_rows_are_skipped_unknown_columns_ignored_and_cells_trimmed():
    header = ["备注", *HEADER, "班级"]
    data = csv_bytes(
        [
            header,
            ["", *[f"  {cell}  " for cell in ROW], "一班"],
            ["", "", "", "", "", "", "", "", ""],
            [],
            ["只有备注", "", "", "", "", "", "", "", "二班"],  # nothing in a known column
            ["", "2024-CS101-0002", "", "李四", "", "", "", "", ""],
            ["", "2024-CS101-0003"],  # a short row: the rest is blank
        ]
    )
    rows = read(data)
    assert rows[0] == (2, EXPECTED)
    assert rows[1] == (
        6,
        {**dict.fromkeys(EXPECTED), "external_id": "2024-CS101-0002"} | {"name": "李四"},
    )
    assert rows[2] == (7, {**dict.fromkeys(EXPECTED), "external_id": "2024-CS101-0003"})
    assert len(rows) == 3


def test_english_and_annotated_headings_are_taken():
    header = ["External ID", "id_number", "Account number", "Name", "Title", "Date obtained"]
    header += ["Result", "Credits", "Hours", "Certificate number"]
    data = csv_bytes(
        [header, ["e1", "", "CB00000000018", "张三", "t", "2024-06-30", "A", "", "", ""]]
    )
    ((_number, row),) = read(data)
    assert set(row) == set(reader.COLUMNS)
    assert row["account_number"] == "CB00000000018"

    annotated = [
        "外部编号*",
        "身份证号码 （18位）",
        "姓 名",
        "成果名称*",
        "取得日期(年-月-日)",
        "成绩",
    ]
    ((_number, row),) = read(csv_bytes([annotated, ROW[:6]]))
    assert row == {key: value for key, value in EXPECTED.items() if key != "credits"}


def test_a_file_without_the_required_headings_is_refused_saying_which_are_missing():
    message = refusal(csv_bytes([["外部编号", "姓名", "成果名称", "学分"], ROW]))
    assert "取得日期, 成绩, 身份证号码 / 学习账户编号" in message
    assert "headings of the template" in message


def test_a_header_further_down_than_the_search_is_not_looked_for():
    rows = [[f"说明 {n}"] for n in range(reader.HEADER_SEARCH_ROWS)]
    assert "header row was not found" in refusal(csv_bytes([*rows, HEADER, ROW]))


def test_an_empty_file_and_a_repeated_column_are_refused():
    assert refusal(b"") == "The file has no rows."
    assert refusal(b"\r\n\r\n,,\r\n") == "The file has no rows."
    message = refusal(csv_bytes([[*HEADER, "Name"], ROW]))
    assert message == "The column 姓名 appears twice in the header row."


# --- CSV encodings -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_is_read_in_utf_8_with_or_without_bom_and_in_gb18030(encoding):
    data = csv_bytes([HEADER, ROW, ["e2", "", "𠮷田", "t", "", "", ""]], encoding)
    rows = read(data)
    assert rows[0] == (2, EXPECTED)
    assert rows[1][1]["name"] == "𠮷田"  # GB18030 has the supplementary planes too


def test_a_latin_1_file_is_refused_naming_the_encodings_tried():
    header = ["external id", "id number", "name", "title", "date", "result"]
    data = csv_bytes([header, ["Café", "", "Zoë", "t", "2024-06-30", "A"]], "latin-1")
    message = refusal(data)
    assert "we tried UTF-8, GB18030" in message
    assert "CSV UTF-8" in message


def test_a_binary_file_and_a_workbook_are_refused_as_csv():
    assert "not a text file" in refusal(b"\x00\x01\x02garbage\xff\xfe")
    workbook = io.BytesIO()
    openpyxl.Workbook().save(workbook)
    assert "upload it as XLSX" in refusal(workbook.getvalue())


def test_a_file_that_changes_encoding_past_the_sample_is_refused_naming_the_row():
    rows = [HEADER] + [ROW] * 2000  # past the 64 KiB the encoding is judged on
    data = csv_bytes(rows) + csv_bytes([["e", "", "张三", "t", "", "", ""]], "gb18030")
    assert len(data) > reader.ENCODING_SAMPLE
    message = refusal(data)
    assert "After row 2001 the file is no longer UTF-8 text" in message


def test_the_callers_file_is_left_open():
    file = io.BytesIO(csv_bytes([HEADER, ROW]))
    assert len(list(read_csv(file))) == 1
    assert not file.closed


def test_a_large_csv_is_read_in_constant_memory(tmp_path):
    path = tmp_path / "large.csv"
    rows = 200_000
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for n in range(rows):
            writer.writerow(
                [
                    f"E{n:07d}",
                    "11010519491231002X",
                    "张三",
                    "高等数学（一）",
                    "2024-06-30",
                    "85",
                    "4",
                ]
            )
    assert path.stat().st_size > 10_000_000
    tracemalloc.start()
    try:
        count = last = 0
        with path.open("rb") as file:
            for number, _row in read_csv(file):
                count, last = count + 1, number
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, last) == (rows, rows + 1)
    assert peak < 2_000_000, f"peak {peak} bytes"


# --- XLSX ----------------------------------------------------------------------------------------


def xlsx_bytes(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def messy_workbook():
    """What an institution's office sends: a merged title, a blank row, then dates as date
    cells and as serial numbers, IDs as numbers and as text."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Sheet1"
    sheet.append(["2024 年春季学期成绩汇总"])
    sheet.merge_cells("A1:G1")
    sheet.append([])
    sheet.append(HEADER)
    sheet.append(
        ["r1", "11010519491231002X", "张三", "高等数学（一）", dt.date(2024, 6, 30), "优秀", 4]
    )
    sheet.append(["r2", 500101199001011234, "李四", "英语", 45473, 85.5, 2.5])
    sheet.append(
        ["r3", 130503670401001, "王五", "体育", dt.datetime(2024, 6, 30, 9, 30), "及格", None]
    )
    sheet.append(["r4", "11010519491231002", "赵六", "   ", "2024年6月30日", "通过", "3学分"])
    sheet["B7"].number_format = "@"
    return workbook


def test_an_xlsx_file_is_read_and_its_cells_normalised():
    rows = list(read_xlsx(io.BytesIO(xlsx_bytes(messy_workbook()))))
    assert [number for number, _row in rows] == [4, 5, 6, 7]
    results = {row["external_id"]: normalise_row(row) for _number, row in rows}

    clean, errors = results["r1"]
    assert errors == []
    assert (clean["obtained_on"], clean["result_value"], clean["credits"]) == (
        dt.date(2024, 6, 30),
        "优秀",
        Decimal("4.00"),
    )

    clean, errors = results["r2"]  # an 18-digit ID typed into a number cell: rounded
    assert [(e.field, e.code) for e in errors] == [("id_number", "excel_rounded")]
    assert (clean["obtained_on"], clean["result_kind"], clean["result_value"]) == (
        dt.date(2024, 6, 30),
        "score",
        "85.50",
    )

    clean, errors = results["r3"]  # a 15-digit ID is exact in a number cell
    assert errors == []
    assert clean["id_number"] == "130503196704010016"
    assert clean["obtained_on"] == dt.date(2024, 6, 30)
    assert (clean["result_kind"], clean["result_value"]) == ("grade", "合格")

    _clean, errors = results["r4"]  # the X lost, and a blank title
    assert [(e.field, e.code) for e in errors] == [
        ("id_number", "id_x_missing"),
        ("title", "required"),
    ]


def test_row_numbers_are_the_sheets_when_the_data_starts_further_down():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for column, heading in enumerate(HEADER, start=3):
        sheet.cell(row=4, column=column, value=heading)
    sheet.cell(row=6, column=3, value="x1")
    rows = list(read_xlsx(io.BytesIO(xlsx_bytes(workbook))))
    assert rows == [(6, {**dict.fromkeys(EXPECTED), "external_id": "x1"})]


def test_the_sheet_named_data_is_read_else_the_first(tmp_path):
    workbook = openpyxl.Workbook()
    workbook.active.append(["说明"])
    data = workbook.create_sheet(reader.DATA_SHEET)
    data.append(HEADER)
    data.append(ROW)
    path = tmp_path / "results.xlsx"
    workbook.save(path)
    assert list(read_xlsx(path)) == [(2, EXPECTED)]  # from a path, too

    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    workbook.create_sheet("其他").append(["x"])
    assert list(read_xlsx(io.BytesIO(xlsx_bytes(workbook)))) == [(2, EXPECTED)]


def test_a_file_that_is_no_workbook_is_refused():
    with pytest.raises(FileError) as caught:
        list(read_xlsx(io.BytesIO(b"PK\x03\x04 not really a zip")))
    assert "cannot be read as an XLSX workbook" in caught.value.message


def test_read_file_tells_a_workbook_from_a_csv_by_its_content():
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADER)
    workbook.active.append(ROW)
    as_xlsx = io.BytesIO(xlsx_bytes(workbook))
    assert list(read_file(as_xlsx, name="成绩.csv")) == [(2, EXPECTED)]
    as_csv = io.BytesIO(csv_bytes([HEADER, ROW], "gb18030"))
    assert list(read_file(as_csv, name="成绩.csv")) == [(2, EXPECTED)]
    with pytest.raises(FileError):
        list(read_file(io.BytesIO(b"a,b\n"), name="成绩.xlsx"))


# --- The template --------------------------------------------------------------------------------


def test_the_template_read_back_gives_its_example_row_cleanly():
    rows = list(read_file(io.BytesIO(reader.template_xlsx()), name="template.xlsx"))
    assert len(rows) == 1
    number, row = rows[0]
    assert number == 2
    clean, errors = normalise_row(row)
    assert errors == []
    assert clean == {
        "external_id": "2024-CS101-0001",
        "id_number": "11010519491231002X",
        "account_number": None,
        "name": "张三",
        "title": "高等数学（一）",
        "obtained_on": dt.date(2024, 6, 30),
        "result_kind": "grade",
        "result_value": "优秀",
        "credits": Decimal("4.00"),
        "hours": Decimal("64.0"),
        "certificate_number": "CS101-2024-0001",
    }


def test_the_template_has_chinese_headings_text_id_cells_and_chinese_instructions():
    workbook = openpyxl.load_workbook(io.BytesIO(reader.template_xlsx()))
    assert workbook.sheetnames == ["数据", "填写说明"]
    data = workbook["数据"]
    assert [cell.value for cell in data[1]] == list(reader.HEADINGS.values())
    id_column = list(reader.HEADINGS).index("id_number") + 1
    letter = data.cell(row=1, column=id_column).column_letter
    assert data.column_dimensions[letter].number_format == "@"
    assert data.cell(row=2, column=id_column).number_format == "@"
    assert data.cell(row=2, column=id_column).data_type == "s"

    notes = [
        " ".join(str(c) for c in row if c)
        for row in workbook["填写说明"].iter_rows(values_only=True)
    ]
    text = "\n".join(notes)
    assert "身份证号码" in text and "文本格式" in text
    assert "2024年6月30日" in text and "A=优秀、B=良好" in text
    assert not any(word in text for word in ("Required", "Optional", "the learner"))
