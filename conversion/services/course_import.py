"""Bulk entry of an institution's courses from a spreadsheet (CSV or XLSX), all or nothing.

The file has one heading row and one course per row, the columns of ``COLUMNS`` in any order
(Chinese headings as in the template ``course_import_template`` serves, or the English field
names; a hint in brackets after a heading, as the template writes them, is ignored). Unknown
and repeated columns are refused, as is a missing required one. Level, kind and mode take the
Chinese names (专科, 必修, 面授 …) or the codes (``junior_college`` …); programmes are given by
their codes, separated by 、 ; or , .

Every row is checked as ``conversion.services.catalogue`` checks a course typed into the form,
and every problem of every row is reported with its row number (the spreadsheet's, the heading
being row 1) and column. If there is any, nothing is written. Otherwise each row creates a
course or, when the institution already has one with that code, updates it — in one
transaction with one audit event ``course.import`` (how many created and updated, the file's
name and SHA-256). Limits: 5 MB and 5 000 rows.

CSV: UTF-8 with or without a byte-order mark, else GB18030 (what Excel saves on a Chinese
Windows). XLSX: the first sheet, read with python-calamine.
"""

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from accounts.models import Institution
from achievements.credits import credit_check
from creditbank.audit import audit_record
from creditbank.errors import IllegalTransition, InvalidInput

from ..models import Course, EducationLevel, Programme
from . import catalogue

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
FORMATS = ("xlsx", "csv")


@dataclass(frozen=True)
class Column:
    key: str
    heading: str  # the Chinese heading of the template (always Chinese: the file is)
    required: bool
    hint: str = ""  # what the template says in brackets after the heading
    label: object = ""  # the column's name on the page, in the reader's language


COLUMNS = (
    Column("code", "课程代码", True, "", gettext_lazy("Course code")),
    Column("name", "课程名称", True, "", gettext_lazy("Course name")),
    Column("credits", "学分", True, "", gettext_lazy("Credits")),
    Column("hours", "学时", True, "", gettext_lazy("Hours")),
    Column(
        "level", "层次", True, "中职、专科、本科、非学历", pgettext_lazy("education level", "Level")
    ),
    Column("field", "学科领域", True, "", gettext_lazy("Field")),
    Column("kind", "课程性质", True, "必修、选修", gettext_lazy("Required or elective")),
    Column("mode", "授课方式", True, "面授、线上、混合式", gettext_lazy("Mode")),
    Column(
        "is_public", "向社会开放", False, "是、否；不填为是", gettext_lazy("Open to the public")
    ),
    Column("programmes", "所属专业", False, "专业代码，多个用、分隔", gettext_lazy("Programmes")),
    Column("description", "课程简介", False, "", gettext_lazy("Description")),
)
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}

# The values a cell may hold, by column: the Chinese name, the code, and the model's label.
LEVEL_NAMES = {
    "中职": EducationLevel.SECONDARY_VOCATIONAL,
    "专科": EducationLevel.JUNIOR_COLLEGE,
    "高职": EducationLevel.JUNIOR_COLLEGE,
    "本科": EducationLevel.BACHELOR,
    "非学历": EducationLevel.NON_DEGREE,
}
KIND_NAMES = {"必修": Course.Kind.REQUIRED, "选修": Course.Kind.ELECTIVE}
MODE_NAMES = {
    "面授": Course.Mode.FACE_TO_FACE,
    "线上": Course.Mode.ONLINE,
    "在线": Course.Mode.ONLINE,
    "混合式": Course.Mode.BLENDED,
    "混合": Course.Mode.BLENDED,
}
YES = {"是", "y", "yes", "true", "1", "开放"}
NO = {"否", "n", "no", "false", "0", "不开放"}
PROGRAMME_SEPARATORS = re.compile(r"[、;；,，]")
HINT = re.compile(r"[（(].*$")

EXAMPLE = {
    "code": "JSJ101",
    "name": "计算机应用基础",
    "credits": "4",
    "hours": "64",
    "level": "专科",
    "field": "信息技术",
    "kind": "必修",
    "mode": "混合式",
    "is_public": "是",
    "programmes": "JSJYY",
    "description": "办公软件与网络应用的基础课程。",
}


@dataclass(frozen=True)
class Problem:
    row: int  # as the spreadsheet numbers it; the heading row is 1
    column: str  # the column's label, or "" for the whole row or file
    message: str


class ImportRefused(InvalidInput):
    """The file was read but some rows (or its headings) are wrong: ``problems`` lists them
    all. Nothing was written."""

    def __init__(self, problems: list[Problem]):
        super().__init__(
            _("Nothing was imported: the file has %(count)d problem(s).")
            % {"count": len(problems)},
            field="file",
            code="rows_invalid",
        )
        self.problems = problems


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    file_name: str = ""
    sha256: str = ""
    courses: list = field(default_factory=list)


def _refuse_file(message: str, code: str) -> InvalidInput:
    return InvalidInput(message, field="file", code=code)


# --- Reading the file -------------------------------------------------------------------------


def _cell_text(value) -> str:
    """A cell as text: a whole number a spreadsheet stored as 4.0 is "4"."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value).strip()


def _read_csv(content: bytes) -> list[list[str]]:
    if content.startswith(b"\xef\xbb\xbf"):
        text = content[3:].decode("utf-8", errors="strict")
    else:
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise _refuse_file(
                    _("The file could not be read as text. Save it as CSV in UTF-8 or as XLSX."),
                    "encoding",
                ) from exc
    try:
        return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text))]
    except csv.Error as exc:
        raise _refuse_file(
            _("The file could not be read as CSV. Use the template."), "csv_error"
        ) from exc


def _read_xlsx(content: bytes) -> list[list[str]]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # noqa: BLE001 — calamine raises its own types for a bad file
        raise _refuse_file(
            _("The file could not be read as an XLSX workbook. Use the template."), "xlsx_error"
        ) from exc
    return [[_cell_text(cell) for cell in row] for row in rows]


def file_format(file_name: str, content: bytes) -> str:
    """``xlsx`` or ``csv`` by the file's name (an XLSX is also recognised by its content)."""
    name = file_name.lower()
    if name.endswith(".xlsx") or content.startswith(b"PK\x03\x04"):
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        return "csv"
    raise _refuse_file(
        _("Upload the course list as an .xlsx or .csv file (old .xls files: save as .xlsx)."),
        "file_type",
    )


def read_rows(file_name: str, content: bytes) -> list[list[str]]:
    """The file's rows as lists of text (the heading row first); refused clearly when the file
    is too large, of another type or unreadable."""
    if len(content) > MAX_BYTES:
        raise _refuse_file(
            _("The file is larger than 5 MB. Split it into several files."), "too_large"
        )
    if not content:
        raise _refuse_file(_("The file is empty."), "empty")
    if file_format(file_name, content) == "xlsx":
        return _read_xlsx(content)
    return _read_csv(content)


def _heading_key(text: str) -> str | None:
    cleaned = HINT.sub("", text.replace("*", "")).strip()
    for column in COLUMNS:
        if cleaned in (column.heading, column.key):
            return column.key
    return None


def _headings(row: list[str], problems: list[Problem]) -> dict[int, str]:
    """{position: column key} of the heading row; problems for unknown, repeated and missing
    columns."""
    found: dict[int, str] = {}
    for position, text in enumerate(row):
        if not text:
            continue
        key = _heading_key(text)
        if key is None:
            problems.append(
                Problem(1, text, _("Unknown column. Use the headings of the template."))
            )
        elif key in found.values():
            problems.append(Problem(1, text, _("This column appears twice.")))
        else:
            found[position] = key
    for column in COLUMNS:
        if column.required and column.key not in found.values():
            problems.append(Problem(1, str(column.label), _("This column is missing.")))
    return found


# --- Checking the rows ------------------------------------------------------------------------


def _choice(value: str, names: dict, choices) -> str:
    """A level, kind or mode from its Chinese name, its code or its label."""
    text = value.strip()
    if text in names:
        return names[text]
    for code, label in choices:
        if text.lower() == code or text == str(label):
            return code
    return text


def _yes_no(value: str) -> bool:
    text = value.strip().lower()
    if text == "" or text in YES:
        return True
    if text in NO:
        return False
    raise InvalidInput(_("Write 是 or 否."), field="is_public", code="yes_no")


CHECKS = {
    "code": catalogue.check_code,
    "name": catalogue.check_name,
    "credits": lambda value: credit_check(value, field="credits"),
    "hours": catalogue.check_hours,
    "level": lambda value: catalogue.check_level(
        _choice(value, LEVEL_NAMES, EducationLevel.choices)
    ),
    "field": catalogue.check_field,
    "kind": lambda value: catalogue.check_kind(_choice(value, KIND_NAMES, Course.Kind.choices)),
    "mode": lambda value: catalogue.check_mode(_choice(value, MODE_NAMES, Course.Mode.choices)),
    "is_public": _yes_no,
    "description": catalogue.check_description,
}


def _programme_codes(value: str) -> list[str]:
    codes = [catalogue.normalise_code(part) for part in PROGRAMME_SEPARATORS.split(value)]
    return list(dict.fromkeys(code for code in codes if code))


def check_rows(
    rows: list[list[str]], programmes: dict[str, Programme]
) -> tuple[list[dict], set[str]]:
    """``(courses, columns present)``: one dict of checked values per non-empty row (with its
    ``row`` number), or ``ImportRefused`` with every problem found."""
    problems: list[Problem] = []
    if not rows or not any(rows[0]):
        raise ImportRefused([Problem(1, "", _("The first row must hold the column headings."))])
    columns = _headings(rows[0], problems)
    if problems:
        raise ImportRefused(problems)
    body = [
        (number, row)
        for number, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    if not body:
        raise ImportRefused([Problem(2, "", _("The file has no courses below the headings."))])
    if len(body) > MAX_ROWS:
        raise _refuse_file(
            _("The file has %(count)d courses; at most %(max)d can be imported at once.")
            % {"count": len(body), "max": MAX_ROWS},
            "too_many_rows",
        )
    present = set(columns.values())
    courses, seen = [], {}
    for number, row in body:
        cells = {key: (row[pos] if pos < len(row) else "") for pos, key in columns.items()}
        course = {"row": number}
        for key, check in CHECKS.items():
            if key not in present:
                continue
            try:
                course[key] = check(cells[key])
            except InvalidInput as exc:
                problems.append(Problem(number, str(COLUMN_BY_KEY[key].label), exc.message))
        if "programmes" in present:
            codes = _programme_codes(cells["programmes"])
            unknown = [code for code in codes if code not in programmes]
            if unknown:
                problems.append(
                    Problem(
                        number,
                        str(COLUMN_BY_KEY["programmes"].label),
                        _("No programme of this institution has the code %(codes)s.")
                        % {"codes": "、".join(unknown)},
                    )
                )
            course["programmes"] = [programmes[c] for c in codes if c in programmes]
        code = course.get("code")
        if code in seen:
            problems.append(
                Problem(
                    number,
                    str(COLUMN_BY_KEY["code"].label),
                    _("The code %(code)s is also in row %(row)d.")
                    % {"code": code, "row": seen[code]},
                )
            )
        elif code:
            seen[code] = number
        courses.append(course)
    if problems:
        raise ImportRefused(problems)
    return courses, present


# --- Writing ----------------------------------------------------------------------------------


@transaction.atomic
def course_import(
    *, acting_user, institution: Institution, file_name: str, content: bytes
) -> ImportResult:
    """Create or update (by code) the courses of ``institution`` the file lists, all or
    nothing; see the module docstring. Only the institution's writers (administrators and
    clerks of an approved institution). A course updated keeps what the file has no column for
    (its programmes when there is no programmes column, whether it is offered); a course
    created is offered, and open to the public unless the file says 否."""
    institution = catalogue._require_writer(acting_user, institution.pk)
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    rows = read_rows(file_name, content)
    programmes = {p.code: p for p in Programme.objects.filter(institution=institution)}
    courses, present = check_rows(rows, programmes)
    existing = {
        c.code: c
        for c in Course.objects.select_for_update().filter(
            institution=institution, code__in=[row["code"] for row in courses]
        )
    }
    current_programmes: dict[int, set[int]] = {}
    through = Course.programmes.through
    for course_id, programme_id in through.objects.filter(
        course_id__in=[c.pk for c in existing.values()]
    ).values_list("course_id", "programme_id"):
        current_programmes.setdefault(course_id, set()).add(programme_id)

    if "credits" in present:
        granted = catalogue.granted_credits(c.pk for c in existing.values())
        below = [
            Problem(
                row["row"],
                str(COLUMN_BY_KEY["credits"].label),
                catalogue.credits_below_granted_message(granted[existing[row["code"]].pk]),
            )
            for row in courses
            if row["code"] in existing
            and existing[row["code"]].pk in granted
            and row["credits"] < granted[existing[row["code"]].pk]
        ]
        if below:
            raise ImportRefused(below)
    result = ImportResult(file_name=file_name, sha256=hashlib.sha256(content).hexdigest())
    now = timezone.now()
    columns = [key for key in catalogue.COURSE_FIELDS if key in present and key != "code"]
    to_create, to_update, links = [], [], {}
    for row in courses:
        course = existing.get(row["code"])
        wanted = {p.pk for p in row.get("programmes", [])}
        if course is None:
            course = Course(
                institution=institution,
                created_by=acting_user,
                is_active=True,
                is_public=row.get("is_public", True),
                description=row.get("description", ""),
                **{key: row[key] for key in columns if key not in ("is_public", "description")},
                code=row["code"],
            )
            to_create.append(course)
            links[row["code"]] = wanted
            continue
        changed = [key for key in columns if getattr(course, key) != row[key]]
        programmes_changed = (
            "programmes" in present and current_programmes.get(course.pk, set()) != wanted
        )
        if changed:
            for key in changed:
                setattr(course, key, row[key])
            course.updated_at = now
            to_update.append(course)
        if programmes_changed:
            links[row["code"]] = wanted
        if changed or programmes_changed:
            result.updated += 1
        else:
            result.unchanged += 1
    try:
        with transaction.atomic():
            created = Course.objects.bulk_create(to_create, batch_size=500)
            if to_update:
                Course.objects.bulk_update(to_update, [*columns, "updated_at"], batch_size=500)
    except IntegrityError as exc:
        raise IllegalTransition(
            _("Someone else changed these courses at the same time. Please import again."),
            field="file",
            code="concurrent_import",
        ) from exc
    result.created = len(created)
    by_code = {c.code: c for c in [*created, *existing.values()]}
    relinked = [by_code[code].pk for code in links]
    through.objects.filter(course_id__in=relinked).delete()
    through.objects.bulk_create(
        [
            through(course_id=by_code[code].pk, programme_id=programme_id)
            for code, wanted in links.items()
            for programme_id in sorted(wanted)
        ],
        batch_size=1000,
    )
    result.courses = [by_code[row["code"]] for row in courses]
    audit_record(
        actor=acting_user,
        action="course.import",
        target=institution,
        after={
            "file_name": file_name[:200],
            "sha256": result.sha256,
            "rows": len(courses),
            "created_count": result.created,
            "updated_count": result.updated,
        },
    )
    return result


# --- The template -----------------------------------------------------------------------------


def template_headings() -> list[str]:
    """The headings the template writes: Chinese, a * for a required column, the allowed values
    in brackets."""
    return [
        f"{column.heading}{'*' if column.required else ''}"
        + (f"（{column.hint}）" if column.hint else "")
        for column in COLUMNS
    ]


def template_csv() -> bytes:
    """The template as CSV in UTF-8 with a byte-order mark (so that Excel reads the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(template_headings())
    writer.writerow([EXAMPLE[column.key] for column in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    """The template as an XLSX workbook: the sheet 课程 (headings and one example row, lists to
    choose the level, kind, mode and openness from) and the sheet 填写说明 (what each column
    takes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "课程"
    sheet.append(template_headings())
    sheet.append([EXAMPLE[column.key] for column in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    lists = {
        "level": "中职,专科,本科,非学历",
        "kind": "必修,选修",
        "mode": "面授,线上,混合式",
        "is_public": "是,否",
    }
    for position, column in enumerate(COLUMNS, start=1):
        letter = sheet.cell(row=1, column=position).column_letter
        sheet.column_dimensions[letter].width = max(12, len(template_headings()[position - 1]) * 2)
        if column.key in lists:
            validation = DataValidation(
                type="list", formula1=f'"{lists[column.key]}"', allow_blank=not column.required
            )
            sheet.add_data_validation(validation)
            validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
    notes = workbook.create_sheet("填写说明")
    notes.append(["列", "是否必填", "填写说明"])
    explanations = {
        "code": "本机构内唯一；字母、数字、点、连字符、下划线，最多32位。"
        "已有同代码课程的，导入时更新该课程。",
        "name": "最多120字。",
        "credits": "大于0，最多两位小数。",
        "hours": "1至10000的整数。",
        "level": "中职、专科、本科、非学历（也可填 secondary_vocational、junior_college、"
        "bachelor、non_degree）。",
        "field": "最多60字，如 信息技术。",
        "kind": "必修、选修（也可填 required、elective）。",
        "mode": "面授、线上、混合式（也可填 face_to_face、online、blended）。",
        "is_public": "是、否；不填为是（在课程超市公开）。",
        "programmes": "本机构已有专业的代码，多个用、；或，分隔；不填则不属于任何专业"
        "（更新已有课程时按所填重新设置）。",
        "description": "选填，最多4000字。",
    }
    for column in COLUMNS:
        notes.append(
            [column.heading, "必填" if column.required else "选填", explanations[column.key]]
        )
    notes.append([])
    notes.append(
        ["每个文件最多5000门课程、5 MB。任何一行有误时整个文件都不导入，页面会列出所有问题。"]
    )
    notes.column_dimensions["A"].width = 14
    notes.column_dimensions["B"].width = 10
    notes.column_dimensions["C"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
