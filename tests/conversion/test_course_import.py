"""Bulk entry of courses from CSV and XLSX: all or nothing, every problem by row and column."""

import csv
import hashlib
import io
from decimal import Decimal

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from accounts.models import InstitutionStaff
from conversion.models import Course
from conversion.services import course_import as importing
from creditbank.errors import InvalidInput, NotAllowed
from creditbank.models import AuditEvent
from tests.conversion.factories import CourseFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_english():
    """The problems in English, whatever the catalogue (the pages show them translated)."""
    with translation.override("en"):
        yield


HEADINGS = ["课程代码", "课程名称", "学分", "学时", "层次", "学科领域", "课程性质", "授课方式"]


def own_institution(people):
    return InstitutionStaff.objects.get(user=people["institution_clerk"]).institution


def csv_bytes(rows, *, encoding="utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def good_rows():
    return [
        [*HEADINGS, "所属专业"],
        ["cs101", "计算机应用基础", "4", "64", "专科", "信息技术", "必修", "面授", "JSJYY"],
        ["EN201", "大学英语", "3.5", "56", "bachelor", "外语", "elective", "线上", "JSJYY、KJ"],
    ]


def run(people, rows=None, *, content=None, name="courses.csv", role="institution_clerk"):
    return importing.course_import(
        acting_user=people[role],
        institution=own_institution(people),
        file_name=name,
        content=content if content is not None else csv_bytes(rows),
    )


@pytest.fixture
def programmes(people):
    institution = own_institution(people)
    return {code: ProgrammeFactory(institution=institution, code=code) for code in ("JSJYY", "KJ")}


def problems_of(people, rows, **kwargs):
    with pytest.raises(importing.ImportRefused) as caught:
        run(people, rows, **kwargs)
    assert not Course.objects.exists()
    assert not AuditEvent.objects.filter(action="course.import").exists()
    return [(p.row, p.column, p.message) for p in caught.value.problems]


def test_a_utf8_csv_with_a_byte_order_mark_creates_every_course_and_one_event(people, programmes):
    content = csv_bytes(good_rows())
    result = run(people, content=content)
    assert (result.created, result.updated) == (2, 0)
    courses = {c.code: c for c in Course.objects.all()}
    assert courses["CS101"].credits == Decimal("4.00")
    assert courses["CS101"].kind == "required" and courses["CS101"].mode == "face_to_face"
    assert courses["EN201"].level == "bachelor" and courses["EN201"].mode == "online"
    assert set(courses["EN201"].programmes.values_list("code", flat=True)) == {"JSJYY", "KJ"}
    assert courses["CS101"].is_public and courses["CS101"].is_active
    assert courses["CS101"].created_by == people["institution_clerk"]
    event = AuditEvent.objects.get(action="course.import")
    assert event.object_type == "accounts.institution"
    assert event.summary["after"] == {
        "file_name": "courses.csv",
        "sha256": hashlib.sha256(content).hexdigest(),
        "rows": 2,
        "created_count": 2,
        "updated_count": 0,
    }
    assert not AuditEvent.objects.filter(action="course.create").exists()


def test_a_gb18030_csv_is_read(people, programmes):
    result = run(people, content=csv_bytes(good_rows(), encoding="gb18030"))
    assert result.created == 2
    assert Course.objects.get(code="EN201").name == "大学英语"


def test_a_utf8_csv_without_a_byte_order_mark_is_read(people, programmes):
    assert run(people, content=csv_bytes(good_rows(), encoding="utf-8")).created == 2


def test_an_xlsx_made_with_openpyxl_is_read_with_numbers_as_numbers(people, programmes):
    rows = [
        [*HEADINGS, "所属专业", "向社会开放"],
        [101, "计算机应用基础", 4, 64, "专科", "信息技术", "必修", "混合式", "JSJYY", "否"],
    ]
    result = run(people, content=xlsx_bytes(rows), name="课程.xlsx")
    assert result.created == 1
    course = Course.objects.get()
    assert (course.code, course.credits, course.hours) == ("101", Decimal("4.00"), 64)
    assert (course.mode, course.is_public) == ("blended", False)


def test_the_downloaded_templates_import_as_they_are(people, programmes):
    assert run(people, content=importing.template_csv()).created == 1
    result = run(people, content=importing.template_xlsx(), name="课程导入模板.xlsx")
    assert (result.created, result.unchanged) == (0, 1)


def test_the_xlsx_template_names_the_allowed_values_in_chinese():
    workbook = load_workbook(io.BytesIO(importing.template_xlsx()))
    headings = [cell.value for cell in workbook["课程"][1]]
    assert headings[0] == "课程代码*"
    assert "层次*（中职、专科、本科、非学历）" in headings
    assert "课程性质*（必修、选修）" in headings
    assert "授课方式*（面授、线上、混合式）" in headings
    assert workbook["课程"].max_row == 2
    assert "填写说明" in workbook.sheetnames


def test_columns_may_come_in_any_order_and_by_their_english_names(people):
    rows = [
        ["mode", "kind", "field", "level", "hours", "credits", "name", "code"],
        ["blended", "elective", "管理", "non_degree", "16", "1", "沟通技巧", "gt1"],
    ]
    run(people, rows)
    course = Course.objects.get()
    assert (course.code, course.kind, course.level) == ("GT1", "elective", "non_degree")


def test_reimporting_updates_by_code_instead_of_duplicating(people, programmes):
    run(people, good_rows())
    rows = good_rows()
    rows[1][1] = "计算机应用基础（第二版）"
    rows[1][8] = "KJ"
    result = run(people, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    assert Course.objects.count() == 2
    course = Course.objects.get(code="CS101")
    assert course.name == "计算机应用基础（第二版）"
    assert list(course.programmes.values_list("code", flat=True)) == ["KJ"]
    assert AuditEvent.objects.filter(action="course.import").count() == 2


def test_an_update_without_a_programmes_column_keeps_the_programmes(people, programmes):
    course = CourseFactory(
        institution=own_institution(people), code="CS101", programmes=[programmes["KJ"]]
    )
    rows = [HEADINGS, ["CS101", "新名称", "4", "64", "专科", "信息技术", "必修", "面授"]]
    assert run(people, rows).updated == 1
    course.refresh_from_db()
    assert course.name == "新名称"
    assert list(course.programmes.all()) == [programmes["KJ"]]


def test_a_course_of_another_institution_with_the_same_code_is_left_alone(people, programmes):
    elsewhere = CourseFactory(code="CS101", name="别处")
    assert run(people, good_rows()).created == 2
    elsewhere.refresh_from_db()
    assert elsewhere.name == "别处"


def test_a_missing_column_is_refused_before_any_row(people):
    rows = [HEADINGS[:-1], ["CS101", "计算机应用基础", "4", "64", "专科", "信息技术", "必修"]]
    assert problems_of(people, rows) == [(1, "Mode", "This column is missing.")]


def test_unknown_and_repeated_columns_are_refused(people):
    rows = [[*HEADINGS, "备注", "学分"], ["CS101", "x", "4", "64", "专科", "x", "必修", "面授"]]
    found = problems_of(people, rows)
    assert (1, "备注", "Unknown column. Use the headings of the template.") in found
    assert (1, "学分", "This column appears twice.") in found


def test_every_problem_of_every_row_is_listed_with_its_row_and_column(people, programmes):
    rows = [
        [*HEADINGS, "所属专业"],
        ["CS101", "计算机应用基础", "0", "64", "博士", "信息技术", "必修", "面授", "JSJYY"],
        ["CS102", "程序设计", "-2", "64", "专科", "信息技术", "核心", "面授", ""],
        ["CS103", "数据库", "4.125", "64", "专科", "信息技术", "必修", "广播", "XX、KJ"],
        ["cs101", "重复", "4", "0", "专科", "信息技术", "必修", "面授", ""],
        ["CS104", "", "10000", "64", "专科", "信息技术", "必修", "面授", ""],
    ]
    found = problems_of(people, rows)
    rows_and_columns = [(row, column) for row, column, _message in found]
    assert rows_and_columns == [
        (2, "Credits"),
        (2, "Level"),
        (3, "Credits"),
        (3, "Required or elective"),
        (4, "Credits"),
        (4, "Mode"),
        (4, "Programmes"),
        (5, "Hours"),
        (5, "Course code"),
        (6, "Course name"),
        (6, "Credits"),
    ]
    messages = dict(((row, column), message) for row, column, message in found)
    assert messages[(2, "Credits")].startswith("Give a credit value from 0.01")
    assert messages[(4, "Programmes")] == "No programme of this institution has the code XX."
    assert messages[(5, "Course code")] == "The code CS101 is also in row 2."


def test_blank_rows_are_skipped_but_keep_the_numbering(people):
    rows = [HEADINGS, [], ["", "", ""], ["CS1", "x", "abc", "64", "专科", "x", "必修", "面授"]]
    assert [(r, c) for r, c, _m in problems_of(people, rows)] == [(4, "Credits")]


def test_a_file_with_only_headings_is_refused(people):
    assert problems_of(people, [HEADINGS]) == [
        (2, "", "The file has no courses below the headings.")
    ]


def test_too_many_rows_are_refused_and_nothing_is_written(people, monkeypatch):
    monkeypatch.setattr(importing, "MAX_ROWS", 3)
    row = ["C{}", "x", "1", "10", "专科", "x", "必修", "面授"]
    rows = [HEADINGS, *([row[0].format(n), *row[1:]] for n in range(4))]
    with pytest.raises(InvalidInput) as caught:
        run(people, rows)
    assert caught.value.code == "too_many_rows"
    assert "at most 3" in caught.value.message
    assert not Course.objects.exists()


def test_five_thousand_rows_are_the_limit(people):
    row = ["x", "1", "10", "专科", "x", "必修", "面授"]
    rows = [HEADINGS, *([f"C{n}", *row] for n in range(5001))]
    with pytest.raises(InvalidInput) as caught:
        run(people, rows)
    assert caught.value.code == "too_many_rows"


def test_a_file_over_five_megabytes_is_refused(people):
    with pytest.raises(InvalidInput) as caught:
        run(people, content=b"a" * (5 * 1024 * 1024 + 1))
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("courses.xls", b"\xd0\xcf\x11\xe0", "file_type"),
        ("courses.xlsx", b"PK\x03\x04 broken", "xlsx_error"),
        ("courses.csv", b"", "empty"),
        ("courses.csv", b"\xff\xfe\xfa\x80\x81\xff", "encoding"),
    ],
)
def test_an_unreadable_file_is_refused_clearly(people, name, content, code):
    with pytest.raises(InvalidInput) as caught:
        run(people, content=content, name=name)
    assert caught.value.code == code
    assert caught.value.field == "file"


@pytest.mark.parametrize("role", ["institution_reviewer", "centre_admin", "outsider"])
def test_only_the_institutions_writers_import(people, role):
    with pytest.raises(NotAllowed):
        run(people, good_rows(), role=role)
    assert not Course.objects.exists()


def test_the_template_csv_has_a_byte_order_mark_and_chinese_headings():
    content = importing.template_csv()
    assert content.startswith(b"\xef\xbb\xbf")
    first = content.decode("utf-8-sig").splitlines()[0]
    assert first.startswith("课程代码*,课程名称*,学分*")


def test_an_import_cannot_lower_credits_below_what_a_published_rule_grants(people, programmes):
    from tests.conversion.factories import published_rule_version

    run(people, good_rows())
    course = Course.objects.get(code="CS101")
    published_rule_version(institution=course.institution, targets=[(course, Decimal("4"))])
    rows = good_rows()
    rows[1][2] = "2"
    with pytest.raises(importing.ImportRefused) as caught:
        run(people, rows)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "Credits")]
    course.refresh_from_db()
    assert course.credits == Decimal("4.00")
    assert AuditEvent.objects.filter(action="course.import").count() == 1
