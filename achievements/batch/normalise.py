"""One row of a result file (or of the API), cell by cell: normalised, or refused with a message.

Real files are messy, and a clerk fixing a refused row needs to know what to change, so every
refusal is a ``RowError`` naming the column and saying what to do. The cells arrive as the
readers give them: text from a CSV, and from an XLSX text, ``float`` (calamine reads every number
as one), ``datetime``/``date`` for date-formatted cells, ``None`` or ``""`` for empty cells.

What is taken, and what is never guessed:

- **Numbers Excel made of identifiers.** Excel keeps 15 significant digits, so an 18-digit ID
  number typed into a number cell comes out rounded (``5.00101E+17`` in a CSV, a float from an
  XLSX): the last digits are gone and are never guessed; the row is refused, asking for the
  column to be formatted as text. A number of up to 15 digits is exact and taken as text.
- **ID numbers** (``id_number``): full-width digits, spaces and dashes folded away, ``x`` made
  ``X``; a 15-digit number of the first-generation cards becomes 18 digits as GB 11643 says
  (``19`` put before the two-digit birth year, the check digit computed); 17 digits whose check
  digit would be ``X`` are refused as "the X is missing" (Excel drops it when it drops the text
  format); then the check digit, birth date and region are checked (``accounts.identity``).
- **Dates**: 2024-06-30, 2024/6/30, 2024.6.30, 2024年6月30日, 20240630, an Excel serial day
  number (the 1900 date system, whose 1900-02-29 does not exist) and date cells; day-first and
  month-first forms (30/6/2024, 6/30/2024) are ambiguous and refused.
- **Results** (``result``): the grade words 优秀/良好/中等/及格/不及格 (及格 is the grade 合格,
  不及格 the grade 不合格); the letters A–F (A 优秀, B 良好, C 中等, D 合格, E and F 不合格; a
  ``+`` or ``-`` after the letter keeps its band); passed or failed as 合格/不合格, 通过/未通过,
  pass/fail; a score from 0 to 100 with at most two decimal places (``85分`` too). When the
  kind is known beforehand (an API field, a category's kind), 合格/不合格 may be grades and
  及格/不及格 pass results.
- **Credits and hours** follow the deposit service (``achievements.services.deposits``): the
  issuer's credits from 0 (a course that carries none) to ``CREDIT_MAX`` in hundredths, hours
  from 0 with one decimal place. A blank cell means none.
- **Text** (titles, names, identifiers): full-width digits and Latin letters become ASCII, but
  not the full-width punctuation of Chinese (高等数学（一）keeps its brackets); then
  ``creditbank.text.clean_text`` (control characters refused, invisible ones dropped,
  whitespace collapsed). Identifiers (external id, certificate number) are NFKC-folded whole.

The messages do not name the column: whoever shows them (the error file, the API answer) puts
the column's heading (``reader.HEADINGS``) beside them. No message repeats an ID number.
"""

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy
from stdnum import luhn
from stdnum.cn import ric

# The provinces ``clean_id_number`` takes (the fast path of ``id_number`` must agree with it).
from accounts.identity import PROVINCES as ID_PROVINCES
from accounts.identity import IdType, clean_id_number, clean_real_name, normalise_id_number
from accounts.services.learners import account_number_is_valid
from creditbank.errors import InvalidInput
from creditbank.languages import formatted, in_active_language, in_each_language
from creditbank.text import clean_text

from ..credits import CREDIT_STEP, credit_check
from ..models import Achievement
from ..services.deposits import CERTIFICATE_MAX, HOURS_MAX, TITLE_MAX

Grade = Achievement.Grade
PassResult = Achievement.PassResult
ResultKind = Achievement.ResultKind

# The columns of a row, in the order of the template and of the error messages.
COLUMNS = (
    "external_id",
    "id_number",
    "account_number",
    "name",
    "title",
    "obtained_on",
    "result",
    "credits",
    "hours",
    "certificate_number",
)
OPTIONAL_COLUMNS = frozenset({"credits", "hours", "certificate_number"})
# A blank cell is an error in the other columns (one of the two identities is checked apart).
_MAY_BE_BLANK = OPTIONAL_COLUMNS | {"id_number", "account_number"}
# What ``normalise_row`` gives back: the columns, with the result split in two.
CLEAN_KEYS = tuple(
    key
    for column in COLUMNS
    for key in (("result_kind", "result_value") if column == "result" else (column,))
)

EXTERNAL_ID_MAX = 64
EARLIEST_DATE = dt.date(1950, 1, 1)
# Excel's largest serial day number: 9999-12-31.
EXCEL_SERIAL_MAX = 2958465
# Excel keeps 15 significant digits of a number; a longer one was rounded.
EXCEL_DIGITS = 15

GRADE_WORDS = {
    "优秀": Grade.EXCELLENT,
    "良好": Grade.GOOD,
    "中等": Grade.FAIR,
    "及格": Grade.PASS,
    "不及格": Grade.FAIL,
}
GRADE_LETTERS = {
    "A": Grade.EXCELLENT,
    "B": Grade.GOOD,
    "C": Grade.FAIR,
    "D": Grade.PASS,
    "E": Grade.FAIL,
    "F": Grade.FAIL,
}
PASS_WORDS = {
    "合格": PassResult.PASS,
    "不合格": PassResult.FAIL,
    "通过": PassResult.PASS,
    "未通过": PassResult.FAIL,
    "pass": PassResult.PASS,
    "passed": PassResult.PASS,
    "fail": PassResult.FAIL,
    "failed": PassResult.FAIL,
}
# Under a known kind, the words of the other family that mean the same.
GRADE_ALSO = {"合格": Grade.PASS, "不合格": Grade.FAIL}
PASS_ALSO = {"及格": PassResult.PASS, "不及格": PassResult.FAIL}

_RESULT_KINDS = frozenset(ResultKind.values)

# Speed. A file repeats its grades, dates, credits and titles row after row, so the pure
# conversions of a text cell are remembered (``_memo``): only what they return, never an error
# (raised anew each time, in the language of the moment), and only for ``str`` cells (as keys,
# ``True == 1 == 1.0``). And an ID number or an identifier already in its clean form is taken by
# a fast path that checks what the full path would, falling back to it for anything else.
_MEMO_SIZE = 4096


def _memo(function):
    return functools.lru_cache(maxsize=_MEMO_SIZE)(function)


GRADES_SHOWN = "优秀、良好、中等、及格、不及格、A–F"
LETTERS_SHOWN = "A=优秀、B=良好、C=中等、D=合格、E/F=不合格"
# pass and fail are taken too, but not shown: the messages are read on Chinese pages.
PASSES_SHOWN = "合格、不合格、通过、未通过"
DATE_FORMATS_SHOWN = "2024/6/30、2024.6.30、2024年6月30日、20240630"

MESSAGES = {
    "required": gettext_lazy("This column must be filled in."),
    "identity": gettext_lazy("Give the learner's ID number or learning account number."),
    "excel_rounded": gettext_lazy(
        "Excel has turned this value into a number and rounded it (it shows as 5.00101E+17): "
        "its last digits are lost and cannot be guessed. Format the column as text, type the "
        "values again and upload the file again."
    ),
    "excel_date": gettext_lazy(
        "Excel has turned this value into a date. Format the column as text, type the value "
        "again and upload the file again."
    ),
    "id_format": gettext_lazy(
        "An ID number has 18 characters (17 digits and a digit or X), or 15 digits on an old card."
    ),
    "id_x_missing": gettext_lazy(
        "This ID number has 17 digits: its final X is missing (Excel drops it when the column "
        "is not formatted as text). Format the column as text and add the X."
    ),
    "account_format": gettext_lazy(
        "A learning account number is %(prefix)s followed by 11 digits, like %(example)s."
    ),
    "account_checksum": gettext_lazy(
        "The check digit of this learning account number does not match: please check the number."
    ),
    "date_format": gettext_lazy(
        "Write the date as 2024-06-30 (these are accepted too: %(formats)s)."
    ),
    "date_impossible": gettext_lazy(
        "This date does not exist: please check the month and the day."
    ),
    "date_future": gettext_lazy("The date obtained cannot be in the future."),
    "date_early": gettext_lazy(
        "The date obtained cannot be before 1 January 1950: please check the year."
    ),
    "result": gettext_lazy(
        "Give the result as a grade (%(grades)s), as passed or failed (%(passes)s) or as a "
        "score from 0 to 100."
    ),
    "result_grade": gettext_lazy("Give a grade: %(grades)s."),
    "result_pass": gettext_lazy("Give passed or failed: %(passes)s."),
    "score": gettext_lazy("A score is a number from 0 to 100, with at most two decimal places."),
    "number": gettext_lazy(
        "Give a number from 0 to %(max)s, with at most %(places)d decimal places."
    ),
}


class RowError(Exception):
    """What is wrong with one cell of a row: ``field`` is its column (a key of ``COLUMNS``),
    ``code`` names the rule (for tests and the API), and ``render`` says what to fix in the
    active language. ``message`` is that in the language active when the error was made;
    ``texts`` renders it again in each of the site's languages — what a staged row keeps, so
    that the clerk's page, the error file and the API speak their reader's language."""

    def __init__(self, field: str, render: Callable[[], str], code: str = "invalid"):
        self.field = field
        self.code = code
        self._render = render
        self.message = str(render())
        super().__init__(f"{field}: {self.message}")

    @classmethod
    def of(cls, field: str, code: str, message, **params) -> "RowError":
        """The error ``code`` of a catalogue (a lazy ``message``, with %-style ``params``)."""
        return cls(field, formatted(message, params), code)

    @classmethod
    def raised_by(cls, field: str, call: Callable[[], object], error: Exception) -> "RowError":
        """The refusal ``call()`` raised (``error``: a service's ``InvalidInput`` or Django's
        ``ValidationError``), rendered again in another language by calling it again."""

        def render() -> str:
            try:
                call()
            except InvalidInput as again:
                return str(again.message)
            except ValidationError as again:
                return again.messages[0]
            return ""  # cannot happen: the call is pure

        return cls(field, render, getattr(error, "code", None) or "invalid")

    def texts(self) -> dict[str, str]:
        """The message in each of ``settings.LANGUAGES``, by language code."""
        return in_each_language(self._render)


def stored_errors(errors) -> list[tuple[str, str, str]]:
    """A staged row's errors (``[[column, code, texts by language], ...]``) as ``(column, code,
    message)`` in the active language (``creditbank.languages.in_active_language``)."""
    return [(column, code, in_active_language(texts)) for column, code, texts in errors or ()]


def _refuse(field: str, code: str, **params) -> RowError:
    return RowError.of(field, code, MESSAGES[code], **params)


# --- Cells as text -----------------------------------------------------------------------------

# Full-width digits and Latin letters (FF10–FF19, FF21–FF3A, FF41–FF5A) and the ideographic
# space; not the full-width punctuation Chinese text is written with (（）：，).
_HALF_WIDTH = {
    **{0xFF10 + i: 0x30 + i for i in range(10)},
    **{0xFF21 + i: 0x41 + i for i in range(26)},
    **{0xFF41 + i: 0x61 + i for i in range(26)},
    0x3000: 0x20,
}
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?E[+-]?\d+", re.IGNORECASE)


def half_width(text: str) -> str:
    """``text`` with full-width digits, Latin letters and spaces made ASCII."""
    return text.translate(_HALF_WIDTH)


def is_blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


# An identifier in its clean form: printable ASCII, no space, no < or > (what the full path
# would leave as it is and not refuse, but for the length and the Excel-rounded look).
_PLAIN_IDENTIFIER = re.compile(r"[!-;=?-~]+")


def _float_text(value: float) -> str:
    """A float as Excel shows it: 15 significant digits (0.30000000000000004 is 0.3)."""
    return f"{value:.{EXCEL_DIGITS}g}"


def _is_number(value) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _is_whole(value) -> bool:
    """Whether a number is finite and has no fraction."""
    try:
        return value == int(value)
    except (ValueError, OverflowError, InvalidOperation):
        return False


def cell_text(value, field: str) -> str:
    """A cell as text. Numbers of more than 15 digits were rounded by Excel and date cells were
    made by Excel from text: both are refused rather than guessed back."""
    if value is None:
        return ""
    if isinstance(value, dt.date):
        raise _refuse(field, "excel_date")
    if not _is_number(value):
        return str(value)
    if _is_whole(value):
        if len(str(abs(int(value)))) > EXCEL_DIGITS:
            raise _refuse(field, "excel_rounded")
        return str(int(value))
    return _float_text(value) if isinstance(value, float) else str(value)


def _clean(text: str, *, field: str, max_length: int) -> str:
    try:
        return clean_text(text, field=field, max_length=max_length)
    except InvalidInput as exc:
        raise RowError.raised_by(
            field, lambda: clean_text(text, field=field, max_length=max_length), exc
        ) from None


def text(value, *, field: str, max_length: int) -> str:
    """A line of text (a title): full-width digits and letters made ASCII, then the shared
    text rules. Blank is refused."""
    if type(value) is str:
        return _text_memo(value, field, max_length)
    return _text(value, field, max_length)


def _text(value, field: str, max_length: int) -> str:
    return _clean(half_width(cell_text(value, field)), field=field, max_length=max_length)


_text_memo = _memo(_text)


def identifier(value, *, field: str, max_length: int) -> str:
    """An institution's identifier or a certificate number: NFKC-folded, whitespace collapsed,
    printable, not an Excel-rounded number. Case is kept. Blank is refused."""
    if (
        type(value) is str
        and len(value) <= max_length
        and _PLAIN_IDENTIFIER.fullmatch(value)
        and not _SCIENTIFIC.fullmatch(value)
    ):
        return value
    folded = unicodedata.normalize("NFKC", cell_text(value, field))
    folded = _clean(folded, field=field, max_length=max_length)
    if _SCIENTIFIC.fullmatch(folded):
        raise _refuse(field, "excel_rounded")
    return folded


def external_id(value) -> str:
    """The institution's own identifier of the row: ``(institution, external id)`` is unique,
    so a row sent again changes nothing."""
    return identifier(value, field="external_id", max_length=EXTERNAL_ID_MAX)


def certificate_number(value) -> str:
    return identifier(value, field="certificate_number", max_length=CERTIFICATE_MAX)


def name(value) -> str:
    """The learner's name as the accounts store it (``clean_real_name``), to be compared with
    the account's by the batch."""
    if type(value) is str:
        return _name_memo(value)
    return _name(value)


def _name(value) -> str:
    text = half_width(cell_text(value, "name"))
    try:
        return clean_real_name(text)
    except ValidationError as exc:
        raise RowError.raised_by("name", lambda: clean_real_name(text), exc) from None


_name_memo = _memo(_name)


def title(value) -> str:
    return text(value, field="title", max_length=TITLE_MAX)


# --- ID and account numbers --------------------------------------------------------------------


def id_number_from_15(number: str) -> str:
    """A first-generation card's 15 digits as 18 (GB 11643): ``19`` before the two-digit birth
    year, then the check digit."""
    seventeen = f"{number[:6]}19{number[6:]}"
    # ric.calc_check_digit reads the first 17 characters of a full number.
    return seventeen + ric.calc_check_digit(seventeen + "0")


_CLEAN_ID_NUMBER = re.compile(r"[0-9]{17}[0-9X]")


def _clean_id_number(value) -> bool:
    """Whether ``value`` is an ID number in its clean form that ``clean_id_number`` takes as it
    is: 18 ASCII characters, the check digit right, a real birth date not in the future, a
    province."""
    if type(value) is not str or not _CLEAN_ID_NUMBER.fullmatch(value):
        return False
    if value[-1] != ric.calc_check_digit(value) or value[:2] not in ID_PROVINCES:
        return False
    try:
        birth_date = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return birth_date <= dt.date.today()


def id_number(value) -> str:
    """A mainland resident ID number, 18 characters, upper case, checked (see the module)."""
    if _clean_id_number(value):
        return value
    field = "id_number"
    number = normalise_id_number(cell_text(value, field))
    if not number:
        raise _refuse(field, "required")
    if _SCIENTIFIC.fullmatch(number):
        raise _refuse(field, "excel_rounded")
    if re.fullmatch(r"\d{15}", number):
        number = id_number_from_15(number)
    elif re.fullmatch(r"\d{17}", number):
        code = "id_x_missing" if ric.calc_check_digit(number + "0") == "X" else "id_format"
        raise _refuse(field, code)
    elif not re.fullmatch(r"\d{17}[\dX]", number):
        raise _refuse(field, "id_format")
    try:
        number, _birth_date = clean_id_number(IdType.RESIDENT_ID, number)
    except ValidationError as exc:
        given = number
        raise RowError.raised_by(
            field, lambda: clean_id_number(IdType.RESIDENT_ID, given), exc
        ) from None
    return number


def account_number(value) -> str:
    """A learning account number as ``accounts`` makes them: the prefix, 10 digits and a Luhn
    check digit."""
    field = "account_number"
    text_ = unicodedata.normalize("NFKC", cell_text(value, field))
    number = re.sub(r"[\s\-]", "", text_).upper()
    if not number:
        raise _refuse(field, "required")
    prefix = settings.CREDITBANK_ACCOUNT_PREFIX
    if not re.fullmatch(re.escape(prefix) + r"\d{11}", number):
        example = f"{prefix}0000000001{luhn.calc_check_digit('0000000001')}"
        raise _refuse(field, "account_format", prefix=prefix, example=example)
    if not account_number_is_valid(number):
        raise _refuse(field, "account_checksum")
    return number


# --- Dates -------------------------------------------------------------------------------------

_TIME = r"(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
_DATE_PATTERNS = (
    re.compile(r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})" + _TIME),
    re.compile(r"(?P<y>\d{4})年(?P<m>\d{1,2})月(?P<d>\d{1,2})日?"),
    re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})"),
)
# A serial day number as text (a CSV saved from a sheet whose date cells were "General").
_SERIAL_TEXT = re.compile(r"\d{5}(?:\.\d+)?")


def date_from_serial(serial: float, field: str = "obtained_on") -> dt.date:
    """An Excel serial day number in the 1900 date system: day 1 is 1900-01-01 and day 60 is
    1900-02-29, which Excel counts although it never was; a fraction is the time of day."""
    if not math.isfinite(serial):
        raise _refuse(field, "date_format", formats=DATE_FORMATS_SHOWN)
    days = math.floor(serial)
    if days == 60:
        raise _refuse(field, "date_impossible")
    if not 1 <= days <= EXCEL_SERIAL_MAX:
        raise _refuse(field, "date_format", formats=DATE_FORMATS_SHOWN)
    base = dt.date(1899, 12, 31) if days < 60 else dt.date(1899, 12, 30)
    return base + dt.timedelta(days=days)


def _parse_date(value, field: str) -> dt.date:
    if type(value) is str:
        return _parse_date_memo(value, field)
    return _parse_any_date(value, field)


def _parse_any_date(value, field: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if _is_number(value):
        if _is_whole(value) and 10_000_000 <= value <= 99_999_999:
            value = str(int(value))  # 20240630 typed into a number cell
        else:
            return date_from_serial(float(value), field)
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    raw = re.sub(r"\s*([年月日])\s*", r"\1", raw)
    if _SERIAL_TEXT.fullmatch(raw):
        return date_from_serial(float(raw), field)
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(raw)
        if match:
            try:
                return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
            except ValueError:
                raise _refuse(field, "date_impossible") from None
    raise _refuse(field, "date_format", formats=DATE_FORMATS_SHOWN)


_parse_date_memo = _memo(_parse_any_date)


def date(value, *, field: str = "obtained_on") -> dt.date:
    """The date a result was obtained: not in the future (the local date), not before 1950."""
    if is_blank(value):
        raise _refuse(field, "required")
    parsed = _parse_date(value, field)
    if parsed > timezone.localdate():
        raise _refuse(field, "date_future")
    if parsed < EARLIEST_DATE:
        raise _refuse(field, "date_early")
    return parsed


# --- Results, credits, hours -------------------------------------------------------------------


def _decimal(value, suffixes: tuple[str, ...]) -> Decimal | None:
    """A number cell or text as a ``Decimal`` (``None`` if it is not one); a unit after the
    number (``85分``, ``4学分``) is allowed."""
    if isinstance(value, float):
        value = _float_text(value)
    raw = unicodedata.normalize("NFKC", str(value)).strip()
    for suffix in suffixes:
        raw = raw.removesuffix(suffix).rstrip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _score(value) -> str | None:
    """The score as the deposit service stores it (``85.00``); ``None`` if not a number."""
    score = _decimal(value, ("分",))
    if score is None:
        return None
    if not 0 <= score <= 100 or score != score.quantize(Decimal("0.01")):
        raise _refuse("result", "score")
    return f"{score.quantize(Decimal('0.01'))}"


def result(value, kind: str | None = None) -> tuple[str, str]:
    """``(result_kind, result_value)`` as ``Achievement`` stores them, from a grade, a pass or
    fail or a score (see the module for the words); ``kind``, when known, narrows what is
    taken."""
    if type(value) is str:
        return _result_memo(value, kind)
    return _result(value, kind)


def _result(value, kind: str | None) -> tuple[str, str]:
    field = "result"
    if kind is not None and kind not in _RESULT_KINDS:
        raise ValueError(f"unknown result kind {kind!r}")
    if is_blank(value):
        raise _refuse(field, "required")
    if isinstance(value, dt.date):
        raise _refuse(field, "excel_date")
    word = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
    letter = re.fullmatch(r"([A-Fa-f])[+-]?", word)
    grade = GRADE_WORDS.get(word) or (GRADE_LETTERS[letter[1].upper()] if letter else None)
    passed = PASS_WORDS.get(word.casefold())
    if kind == ResultKind.SCORE:
        grade = passed = None
    elif kind == ResultKind.GRADE:
        grade = grade or GRADE_ALSO.get(word)
        if grade is None:
            raise _refuse(field, "result_grade", grades=GRADES_SHOWN)
    elif kind == ResultKind.PASS:
        passed = passed or PASS_ALSO.get(word)
        if passed is None:
            raise _refuse(field, "result_pass", passes=PASSES_SHOWN)
    if grade is not None and kind != ResultKind.PASS:
        return ResultKind.GRADE.value, grade.value
    if passed is not None:
        return ResultKind.PASS.value, passed.value
    score = _score(value if not isinstance(value, str) else word)
    if score is None and kind == ResultKind.SCORE:
        raise _refuse(field, "score")
    if score is None:
        raise _refuse(field, "result", grades=GRADES_SHOWN, passes=PASSES_SHOWN)
    return ResultKind.SCORE.value, score


_result_memo = _memo(_result)


def credits(value) -> Decimal:
    """The credits the issuer awarded: from 0 to ``CREDIT_MAX`` in hundredths (as the deposit
    service takes them), returned with two places."""
    if type(value) is str:
        return _credits_memo(value)
    return _credits(value)


def _credits(value) -> Decimal:
    number = _decimal(value, ("学分",))
    given = number if number is not None else str(value)
    try:
        number = credit_check(given, field="credits", minimum=Decimal(0))
    except InvalidInput as exc:
        raise RowError.raised_by(
            "credits", lambda: credit_check(given, field="credits", minimum=Decimal(0)), exc
        ) from None
    return number.quantize(CREDIT_STEP)


_credits_memo = _memo(_credits)


def hours(value) -> Decimal:
    """Learning hours: from 0 to ``HOURS_MAX`` with at most one decimal place (the column)."""
    if type(value) is str:
        return _hours_memo(value)
    return _hours(value)


def _hours(value) -> Decimal:
    number = _decimal(value, ("学时", "小时"))
    if number is None or not 0 <= number <= HOURS_MAX or number != number.quantize(Decimal("0.1")):
        raise _refuse("hours", "number", max=HOURS_MAX, places=1)
    return number.quantize(Decimal("0.1"))


_hours_memo = _memo(_hours)


# --- A whole row -------------------------------------------------------------------------------

_NORMALISERS: dict[str, Callable] = {
    "external_id": external_id,
    "id_number": id_number,
    "account_number": account_number,
    "name": name,
    "title": title,
    "obtained_on": date,
    "credits": credits,
    "hours": hours,
    "certificate_number": certificate_number,
}


def normalise_row(
    raw: Mapping[str, object], *, result_kind: str | None = None
) -> tuple[dict, list[RowError]]:
    """A row's cells (keyed by ``COLUMNS``; missing keys count as blank) normalised, with every
    error of the row, not just the first. ``clean`` has every key of ``CLEAN_KEYS``: ``None``
    for a blank optional cell and for a refused one. One of the ID number and the account
    number is required; when both are given both are checked (the batch checks that they name
    the same learner)."""
    clean: dict = dict.fromkeys(CLEAN_KEYS)
    errors: list[RowError] = []
    if is_blank(raw.get("id_number")) and is_blank(raw.get("account_number")):
        errors.append(_refuse("id_number", "identity"))
    for column in COLUMNS:
        value = raw.get(column)
        if value is None or (isinstance(value, str) and not value.strip()):  # is_blank
            if column not in _MAY_BE_BLANK:
                errors.append(_refuse(column, "required"))
            continue
        try:
            if column == "result":
                clean["result_kind"], clean["result_value"] = result(value, result_kind)
            else:
                clean[column] = _NORMALISERS[column](value)
        except RowError as error:
            errors.append(error)
    return clean, errors
