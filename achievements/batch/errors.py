"""The error file of a batch (错误行文件): its refused rows as an XLSX workbook to correct and
send again.

The sheet ``reader.DATA_SHEET`` has the template's headings (``reader.HEADINGS``, in its
order) and then two more: the row's number in the file that was sent, and what to fix (each
error's column and message, one a line). The reader finds the header row and ignores the two
extra columns, so the corrected file is sent as it is. The cells are those the clerk sent,
unsealed one row at a time (``services.batch.unseal_raw``: they may hold an ID number).

The workbook is written with openpyxl's write-only mode, which streams the rows to the file as
they come, so that a batch of 100 000 refused rows is not held in memory.
"""

import contextlib
import datetime as dt
import re
from collections.abc import Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..models import ImportBatch, ImportRow
from ..services.batch import unseal_raw
from .normalise import COLUMNS, stored_errors
from .reader import DATA_SHEET, HEADINGS, TEXT_COLUMNS

# The two columns after the template's, Chinese in every language as the headings are.
ROW_HEADING = "原行号"
ERRORS_HEADING = "错误说明"
# Rows read from the database at a time.
READ_CHUNK = 2000
# A date cell of the file that was sent, as it was sealed (``str`` of a date or a datetime).
_SEALED_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?: 00:00:00)?")


def error_lines(errors) -> str:
    """A refused row's errors (as staged: ``normalise.stored_errors``), one a line in the
    active language, each after its column's heading: ``成绩：……``."""
    lines = []
    for column, _code, message in stored_errors(errors):
        heading = HEADINGS.get(column)
        lines.append(f"{heading}：{message}" if heading else str(message))
    return "\n".join(lines)


def refused_rows(batch: ImportBatch) -> Iterator[tuple[int, dict, list]]:
    """``(row number, raw cells, errors)`` of the batch's refused rows, in the file's order,
    read a chunk at a time."""
    rows = (
        ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.REFUSED)
        .order_by("row_number")
        .values_list("row_number", "raw_sealed", "errors")
    )
    for number, sealed, errors in rows.iterator(chunk_size=READ_CHUNK):
        yield number, unseal_raw(sealed), errors or []


def _cell(sheet, key: str, value) -> WriteOnlyCell:
    """A cell as the clerk sent it: text stays text (a leading ``=`` too: never a formula),
    a date cell a date, and the identifier columns formatted as text, so that Excel keeps
    every digit of an ID number and its final X when the clerk corrects it."""
    if key == "obtained_on" and isinstance(value, str) and (match := _SEALED_DATE.fullmatch(value)):
        with contextlib.suppress(ValueError):  # an impossible date stays the text it was
            value = dt.date(*(int(part) for part in match.groups()))
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and cell.data_type == "f":
        cell.data_type = "s"
    if key in TEXT_COLUMNS:
        cell.number_format = "@"
    elif isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    return cell


def write_refused_xlsx(batch: ImportBatch, file) -> int:
    """Write the error file of ``batch`` to ``file`` (a path or a writable binary file);
    returns the number of rows written."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    widths = [22 if key in TEXT_COLUMNS else 14 for key in COLUMNS] + [10, 60]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header = []
    for heading in (*(HEADINGS[key] for key in COLUMNS), ROW_HEADING, ERRORS_HEADING):
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    wrap = Alignment(wrap_text=True, vertical="top")
    written = 0
    for number, raw, errors in refused_rows(batch):
        cells = []
        for key in COLUMNS:
            cells.append(_cell(sheet, key, raw.get(key)))
        cells.append(number)
        message = WriteOnlyCell(sheet, value=error_lines(errors))
        message.alignment = wrap
        cells.append(message)
        sheet.append(cells)
        written += 1
    workbook.save(file)
    return written
