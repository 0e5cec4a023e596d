"""Result files (CSV or XLSX) read row by row, as ``(row number, {column: raw cell})``.

The rows are streamed so that a file of a million rows is read in constant memory: a CSV
through ``io.TextIOWrapper`` and the ``csv`` module, never read whole; an XLSX with
python-calamine, which reads a sheet many times faster than openpyxl (calamine holds the
sheet's cells, and ``iter_rows`` makes the Python values one row at a time).

The header row is the first row that has every required heading (``HEADINGS`` in Chinese, or
an alias in ``ALIASES``); merged title rows and blank lines above it are passed over, columns
with other headings are ignored, blank rows skipped, and text cells trimmed (``""`` becomes
``None``). The row numbers are those the clerk sees in the sheet (the first row is 1), so that a
row error can point at it. The cells stay raw: ``normalise.normalise_row`` checks them.

A file that cannot be read at all raises ``FileError`` with a message for the clerk.
"""

import codecs
import csv
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from decimal import Decimal

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from creditbank.languages import formatted

from .normalise import COLUMNS, DATE_FORMATS_SHOWN, GRADES_SHOWN, LETTERS_SHOWN, PASSES_SHOWN

# The headings of the template: the file format's names of the columns, Chinese in every
# language (the reader also takes ``ALIASES``).
HEADINGS = {
    "external_id": "外部编号",
    "id_number": "身份证号码",
    "account_number": "学习账户编号",
    "name": "姓名",
    "title": "成果名称",
    "obtained_on": "取得日期",
    "result": "成绩",
    "credits": "学分",
    "hours": "学时",
    "certificate_number": "证书编号",
}

# Other headings taken for the same columns: English ones (the keys themselves among them) and
# the Chinese names institutions' own exports use. Compared after ``heading_form``.
ALIASES = {
    "external_id": ("external id", "外部id", "记录编号"),
    "id_number": ("id number", "身份证号", "身份证", "证件号码"),
    "account_number": ("account number", "学习账号", "账户编号", "学分银行账号"),
    "name": ("learner name", "学员姓名"),
    "title": ("achievement", "course", "课程名称", "成果"),
    "obtained_on": ("date obtained", "date", "获得日期", "取得时间"),
    "result": ("grade", "score", "成绩等级", "考试成绩"),
    "credits": ("credit", "学分数"),
    "hours": ("learning hours", "学时数"),
    "certificate_number": ("certificate number", "certificate", "证书号"),
}
REQUIRED_HEADINGS = ("external_id", "name", "title", "obtained_on", "result")
IDENTITY_HEADINGS = ("id_number", "account_number")
# How far down the header row is looked for: title rows are few, and a file without a header
# should be refused without reading it all.
HEADER_SEARCH_ROWS = 30
# The sheet read when a workbook has several; else the first worksheet.
DATA_SHEET = "数据"
# How much of a CSV is looked at to choose its encoding.
ENCODING_SAMPLE = 64 * 1024
CSV_ENCODINGS = ("utf-8-sig", "gb18030")
ENCODING_NAMES = "UTF-8, GB18030"


class Extent:
    """How far a reader has got through its file, for the progress bar: a CSV by the bytes
    read (its text wrapper reads ahead in pieces of a few kilobytes), a workbook by the rows of
    its sheet. The reader fills it in as it opens the file."""

    def __init__(self):
        self.position: Callable[[], float] | None = None
        self.rows = 0

    def fraction(self, last_row: int) -> float | None:
        """The share read, 0 to 1, when the row numbered ``last_row`` has been read; ``None``
        when it cannot be told."""
        if self.rows:
            return min(1.0, last_row / self.rows)
        if self.position is not None:
            return min(1.0, self.position())
        return None


class FileError(Exception):
    """The file as a whole cannot be read; ``message`` says why, for the clerk, in the language
    active when it was raised, and ``render`` says it again in the active one (a failed batch
    keeps it in each language). ``template`` is a lazy message, ``params`` its %-style ones."""

    def __init__(self, template, params: dict | None = None):
        self.render = formatted(template, params)
        self.message = self.render()
        super().__init__(self.message)


def heading_form(value) -> str:
    """A heading as compared: NFKC, lower case, without spaces, underscores, a required-mark
    ``*`` or a note in brackets (``取得日期（年-月-日）``)."""
    text = unicodedata.normalize("NFKC", str(value or "")).casefold()
    text = re.sub(r"\(.*\)$", "", text.strip())
    return re.sub(r"[\s_*]", " ", text).replace(" ", "")


_HEADING_KEYS = {
    heading_form(heading): key for key in COLUMNS for heading in (HEADINGS[key], key, *ALIASES[key])
}


def heading_key(value) -> str | None:
    """The column a heading names, or ``None``."""
    return _HEADING_KEYS.get(heading_form(value))


def _is_blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _cell(cell):
    if isinstance(cell, str):
        cell = cell.strip()
        return cell or None
    return cell


def _header(cells: Sequence) -> dict[int, str]:
    """Position → column of the headings in ``cells``; a column named twice is refused."""
    positions: dict[int, str] = {}
    for position, cell in enumerate(cells):
        key = heading_key(cell) if isinstance(cell, str) else None
        if key is None:
            continue
        if key in positions.values():
            raise FileError(
                gettext_lazy("The column %(heading)s appears twice in the header row."),
                {"heading": HEADINGS[key]},
            )
        positions[position] = key
    return positions


def _missing(found: Iterable[str]) -> list[str]:
    found = set(found)
    missing = [HEADINGS[key] for key in REQUIRED_HEADINGS if key not in found]
    if not found & set(IDENTITY_HEADINGS):
        missing.append(" / ".join(HEADINGS[key] for key in IDENTITY_HEADINGS))
    return missing


def read_rows(rows: Iterable[tuple[int, Sequence]]) -> Iterator[tuple[int, dict]]:
    """The data rows of ``rows`` (``(row number, cells)``) after its header row, as
    ``(row number, {column: cell})`` with every column of the header, blank rows skipped."""
    rows = iter(rows)
    best: dict[int, str] = {}
    header = None
    looked = 0
    for _number, cells in rows:
        if all(_is_blank(cell) for cell in cells):
            continue
        candidate = _header(cells)
        if not _missing(candidate.values()):
            header = candidate
            break
        if len(candidate) > len(best):
            best = candidate
        looked += 1
        if looked >= HEADER_SEARCH_ROWS:
            break
    if header is None:
        if looked == 0:
            raise FileError(gettext_lazy("The file has no rows."))
        raise FileError(
            gettext_lazy(
                "The header row was not found: the first rows lack the columns %(missing)s. "
                "Use the headings of the template."
            ),
            {"missing": ", ".join(_missing(best.values()))},
        )
    columns = list(header.items())
    for number, cells in rows:
        # ``_cell`` inlined (a call per cell is a good part of the reading's time).
        values = {}
        filled = False
        count = len(cells)
        for position, key in columns:
            cell = cells[position] if position < count else None
            if isinstance(cell, str):
                cell = cell.strip() or None
            if cell is not None:
                filled = True
            values[key] = cell
        if filled:
            yield number, values


# --- CSV ---------------------------------------------------------------------------------------


def csv_encoding(file) -> str:
    """The encoding a CSV is read with: UTF-8 (with or without a byte-order mark), else strict
    GB18030, judged on its first ``ENCODING_SAMPLE`` bytes; ``file`` is left at the start."""
    sample = file.read(ENCODING_SAMPLE)
    file.seek(0)
    if sample.startswith(b"PK\x03\x04"):
        raise FileError(gettext_lazy("This file is a workbook, not a CSV file: upload it as XLSX."))
    if b"\x00" in sample:
        raise FileError(gettext_lazy("This is not a text file: upload the results as CSV or XLSX."))
    final = len(sample) < ENCODING_SAMPLE
    for encoding in CSV_ENCODINGS:
        try:
            codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=final)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileError(
        gettext_lazy(
            "The file's text encoding is not one we can read (we tried %(encodings)s). Save it "
            "from Excel as “CSV UTF-8”, or upload it as XLSX."
        ),
        {"encodings": ENCODING_NAMES},
    )


def read_csv(file, extent: Extent | None = None) -> Iterator[tuple[int, dict]]:
    """The rows of a CSV file. ``file`` is a seekable binary file; it is read in pieces and
    left open (the caller owns it). Bytes past the sample that are not text in the chosen
    encoding are a ``FileError`` naming their row, raised when the reading gets there."""
    encoding = csv_encoding(file)
    if extent is not None:
        size = file.seek(0, os.SEEK_END) or 1
        file.seek(0)
        extent.position = lambda: file.tell() / size
    text = io.TextIOWrapper(file, encoding=encoding, errors="strict", newline="")
    read = [0]  # the number of the last row read, for the messages
    undecodable = False
    try:
        yield from read_rows(_numbered(csv.reader(text), read))
    except UnicodeDecodeError:
        undecodable = True
    except csv.Error:
        raise FileError(
            gettext_lazy("Row %(row)d of the CSV file cannot be read: check its quotation marks."),
            {"row": read[0] + 1},
        ) from None
    finally:
        # The wrapper would close ``file`` when it goes; the caller closes it.
        text.detach()
    if undecodable:
        # The decoder reads ahead of the rows; read again to find the row the bytes are in.
        row = _first_undecodable_row(file, encoding)
        raise FileError(
            gettext_lazy(
                "After row %(row)d the file is no longer %(encoding)s text. Save the whole "
                "file in one encoding (“CSV UTF-8” from Excel) and upload it again."
            ),
            {"row": row - 1, "encoding": "GB18030" if encoding == "gb18030" else "UTF-8"},
        )


def _numbered(reader, read: list[int]) -> Iterator[tuple[int, list[str]]]:
    for number, cells in enumerate(reader, start=1):
        read[0] = number
        yield number, cells


_ESCAPED_BYTE = re.compile("[\udc80-\udcff]")


def _first_undecodable_row(file, encoding: str) -> int:
    """The number of the first row with bytes that are not text in ``encoding``."""
    file.seek(0)
    text = io.TextIOWrapper(file, encoding=encoding, errors="surrogateescape", newline="")
    try:
        for number, cells in enumerate(csv.reader(text), start=1):
            if any(_ESCAPED_BYTE.search(cell) for cell in cells):
                return number
    finally:
        text.detach()
    return 1


# --- XLSX --------------------------------------------------------------------------------------


def read_xlsx(source, extent: Extent | None = None) -> Iterator[tuple[int, dict]]:
    """The rows of a workbook's sheet named ``DATA_SHEET``, else of its first worksheet.
    ``source`` is a path or a binary file (calamine reads XLSX, XLS and ODS alike)."""
    try:
        if isinstance(source, str | os.PathLike):
            workbook = CalamineWorkbook.from_path(os.fspath(source))
        else:
            workbook = CalamineWorkbook.from_filelike(source)
        try:
            sheet = workbook.get_sheet_by_name(_data_sheet(workbook))
            # From the sheet's first row (A1), blank rows above the data included.
            rows = sheet.iter_rows()
            if extent is not None and sheet.end is not None:
                extent.rows = sheet.end[0] + 1
        finally:
            workbook.close()  # the sheet's cells are loaded: the file's bytes can go
    except CalamineError:
        raise FileError(
            gettext_lazy(
                "This file cannot be read as an XLSX workbook. Save it again from Excel as XLSX."
            )
        ) from None
    yield from read_rows(enumerate(rows, start=1))


def _data_sheet(workbook) -> str:
    if DATA_SHEET in workbook.sheet_names:
        return DATA_SHEET
    for sheet in workbook.sheets_metadata:
        if sheet.typ == SheetTypeEnum.WorkSheet:
            return sheet.name
    raise FileError(gettext_lazy("This workbook has no worksheet."))


def read_file(file, *, name: str, extent: Extent | None = None) -> Iterator[tuple[int, dict]]:
    """The rows of an uploaded file, by its content: a ZIP (XLSX) or an OLE file (XLS) is a
    workbook, anything else is read as CSV. ``name`` is the sender's file name, used only to
    refuse what is neither; ``extent``, if given, is filled in to tell how far the reading is."""
    head = file.read(8)
    file.seek(0)
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        return read_xlsx(file, extent)
    if name.lower().endswith((".xlsx", ".xls", ".xlsm")):
        return read_xlsx(file, extent)  # calamine says what is wrong with it
    return read_csv(file, extent)


# --- The template ------------------------------------------------------------------------------

EXAMPLE_ROW = {
    "external_id": "2024-CS101-0001",
    "id_number": "11010519491231002X",
    "account_number": None,
    "name": "张三",
    "title": "高等数学（一）",
    "obtained_on": date(2024, 6, 30),
    "result": "优秀",
    "credits": Decimal("4"),
    "hours": 64,
    "certificate_number": "CS101-2024-0001",
}
TEXT_COLUMNS = ("external_id", "id_number", "account_number", "certificate_number")

INSTRUCTIONS = {
    "external_id": gettext_lazy(
        "Your institution's own identifier of this result, at most 64 characters, never used "
        "twice: a row sent again with the same identifier changes nothing."
    ),
    "id_number": gettext_lazy(
        "The learner's resident ID number: 18 characters, or the 15 digits of an old card. "
        "Keep this column formatted as text, or Excel rounds the numbers and drops the final X."
    ),
    "account_number": gettext_lazy(
        "The learner's learning account number, instead of the ID number."
    ),
    "name": gettext_lazy("The learner's name as on the ID; it must match the learning account."),
    "title": gettext_lazy(
        "The course, certificate or activity as your institution names it, at most 200 characters."
    ),
    "obtained_on": gettext_lazy(
        "The date the result was obtained: 2024-06-30 (also %(formats)s, or a date cell); not "
        "in the future and not before 1950."
    ),
    "result": gettext_lazy(
        "A grade (%(grades)s; %(letters)s), passed or failed (%(passes)s), or a score from 0 "
        "to 100 with at most two decimal places."
    ),
    "credits": gettext_lazy(
        "The credits your institution awarded, from 0 to 9999.99; leave it blank if none."
    ),
    "hours": gettext_lazy("The learning hours, with at most one decimal place."),
    "certificate_number": gettext_lazy("The certificate number, if there is one."),
}
GENERAL_INSTRUCTIONS = (
    gettext_lazy(
        "Fill in the sheet %(sheet)s: one result per row, below the headings. Delete the "
        "example row first."
    ),
    gettext_lazy(
        "Keep the headings. Rows above the headings, blank rows and columns with other "
        "headings are ignored."
    ),
    gettext_lazy("Upload the file as XLSX, or as CSV in UTF-8 or GB18030."),
)


def _instruction(key: str) -> str:
    return str(INSTRUCTIONS[key]) % {
        "formats": DATE_FORMATS_SHOWN,
        "grades": GRADES_SHOWN,
        "passes": PASSES_SHOWN,
        "letters": LETTERS_SHOWN,
    }


def template_xlsx(language: str = "zh-hans") -> bytes:
    """The workbook clerks fill in: the sheet ``DATA_SHEET`` with the headings and one example
    row (the identifier columns formatted as text, so that Excel keeps every digit and the X),
    and a sheet of instructions in ``language``."""
    with translation.override(language):
        workbook = Workbook()
        data = workbook.active
        data.title = DATA_SHEET
        data.append(list(HEADINGS.values()))
        data.append([EXAMPLE_ROW[key] for key in COLUMNS])
        for index, key in enumerate(COLUMNS, start=1):
            letter = data.cell(row=1, column=index).column_letter
            data.cell(row=1, column=index).font = Font(bold=True)
            data.column_dimensions[letter].width = 22 if key in TEXT_COLUMNS else 14
            number_format = "@" if key in TEXT_COLUMNS else None
            if key == "obtained_on":
                number_format = "yyyy-mm-dd"
            if number_format:
                data.column_dimensions[letter].number_format = number_format
                data.cell(row=2, column=index).number_format = number_format
        data.freeze_panes = "A2"

        notes = workbook.create_sheet(_("Instructions"))
        for line in GENERAL_INSTRUCTIONS:
            notes.append([str(line) % {"sheet": DATA_SHEET}])
        notes.append([])
        notes.append([_("Column"), _("Required"), _("What to enter")])
        required = {key: _("Required") for key in REQUIRED_HEADINGS}
        for key in IDENTITY_HEADINGS:
            required[key] = _("One of the two")
        for key in COLUMNS:
            notes.append([HEADINGS[key], required.get(key, _("Optional")), _instruction(key)])
        header_row = len(GENERAL_INSTRUCTIONS) + 2
        for cell in notes[header_row]:
            cell.font = Font(bold=True)
        for column, width in (("A", 16), ("B", 12), ("C", 90)):
            notes.column_dimensions[column].width = width
        for row in notes.iter_rows(min_row=header_row + 1):
            row[-1].alignment = Alignment(wrap_text=True, vertical="top")
        buffer = io.BytesIO()
        workbook.save(buffer)
    return buffer.getvalue()
