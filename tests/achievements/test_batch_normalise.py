"""The cells of a result file, normalised or refused with a message that says what to fix.

No database: these are the pure rules the batch and the API apply to every row. The messages are
checked in English (their msgids); one test shows the Chinese the clerk sees by default.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from stdnum.cn import ric

from achievements.batch import normalise
from achievements.batch.normalise import RowError, normalise_row


@pytest.fixture(autouse=True)
def _english(settings):
    settings.CREDITBANK_ACCOUNT_PREFIX = "CB"
    with translation.override("en"):
        yield


def refused(function, value, *args, **kwargs) -> RowError:
    with pytest.raises(RowError) as caught:
        function(value, *args, **kwargs)
    return caught.value


# --- ID numbers ----------------------------------------------------------------------------------


def test_a_15_digit_number_becomes_18_digits_as_gb_11643_says():
    # 130503 670401 001 → 130503 19 670401 001, then the check digit by hand:
    # digits   1  3  0  5  0  3  1  9  6  7  0  4  0  1  0  0  1
    # weights  7  9 10  5  8  4  2  1  6  3  7  9 10  5  8  4  2
    # products 7 27  0 25  0 12  2  9 36 21  0 36  0  5  0  0  2  → sum 182
    # 182 mod 11 = 6 → the 7th of 1 0 X 9 8 7 6 5 4 3 2, which is 6.
    assert normalise.id_number_from_15("130503670401001") == "130503196704010016"
    assert normalise.id_number("130503670401001") == "130503196704010016"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("11010519491231002X", "11010519491231002X"),
        ("11010519491231002x", "11010519491231002X"),
        ("１１０１０５１９４９１２３１００２ｘ", "11010519491231002X"),
        ("  110105 19491231 002X ", "11010519491231002X"),
        ("110105-19491231-002X", "11010519491231002X"),
        ("130503670401001", "130503196704010016"),
        (130503670401001, "130503196704010016"),  # 15 digits fit a number cell exactly
        (130503670401001.0, "130503196704010016"),
    ],
)
def test_id_numbers_are_normalised(value, expected):
    assert normalise.id_number(value) == expected


def _with_check_digit(seventeen: str) -> str:
    return seventeen + ric.calc_check_digit(seventeen + "0")


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        (5.00101199001011e17, "excel_rounded", "rounded"),
        (500101199001011234, "excel_rounded", "rounded"),
        ("5.00101E+17", "excel_rounded", "Format the column as text"),
        ("5.00101e+17", "excel_rounded", "last digits are lost"),
        ("11010519491231002", "id_x_missing", "final X is missing"),
        ("13050319670401001", "id_format", "18 characters"),  # 17 digits, check digit 6
        ("1101051949123100", "id_format", "15 digits on an old card"),
        ("11010519491231002Y", "id_format", "18 characters"),
        ("110105194912310021", "checksum", "check digit does not match"),
        (_with_check_digit("11010519491331002"), "component", "impossible birth date"),
        ("130503671301001", "component", "impossible birth date"),  # month 13, 15 digits
        (_with_check_digit("99010519491231002"), "component", "region code"),
        ("", "required", "must be filled in"),
        (dt.date(2024, 6, 30), "excel_date", "into a date"),
    ],
)
def test_wrong_id_numbers_are_refused_with_what_to_fix(value, code, says):
    error = refused(normalise.id_number, value)
    assert (error.field, error.code) == ("id_number", code)
    assert says in error.message


def test_no_message_repeats_the_id_number():
    error = refused(normalise.id_number, "110105194912310021")
    assert "110105" not in error.message


# --- Account numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("CB00000000018", "CB00000000018"),
        ("cb 0000000001 8", "CB00000000018"),
        ("ＣＢ０００００００００１８", "CB00000000018"),
    ],
)
def test_account_numbers_are_normalised(value, expected):
    assert normalise.account_number(value) == expected


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        ("CB0000000001", "account_format", "CB followed by 11 digits, like CB00000000018"),
        ("XY00000000018", "account_format", "CB followed by 11 digits"),
        ("CB00000000017", "account_checksum", "check digit"),
        (" ", "required", "must be filled in"),
    ],
)
def test_wrong_account_numbers_are_refused(value, code, says):
    error = refused(normalise.account_number, value)
    assert (error.field, error.code) == ("account_number", code)
    assert says in error.message


# --- Dates ---------------------------------------------------------------------------------------

JUNE_30 = dt.date(2024, 6, 30)


@pytest.mark.parametrize(
    "value",
    [
        "2024-06-30",
        "2024-6-30",
        "2024/6/30",
        "2024.6.30",
        "2024年6月30日",
        "2024 年 6 月 30 日",
        "2024年6月30",
        "２０２４年６月３０日",
        "20240630",
        "2024-06-30 00:00:00",
        20240630,
        20240630.0,
        45473,  # Excel's serial day number
        45473.0,
        45473.75,  # 18:00 that day
        "45473",
        JUNE_30,
        dt.datetime(2024, 6, 30, 8, 0),
    ],
)
def test_dates_are_read_in_the_forms_files_use(value):
    assert normalise.date(value) == JUNE_30


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, dt.date(1900, 1, 1)),
        (59, dt.date(1900, 2, 28)),
        (61, dt.date(1900, 3, 1)),  # Excel counts a 29 February 1900 as day 60
        (36526, dt.date(2000, 1, 1)),
        (45473, JUNE_30),
    ],
)
def test_excel_serial_numbers_follow_the_1900_date_system(serial, expected):
    assert normalise.date_from_serial(serial) == expected


def test_the_29_february_1900_excel_counts_does_not_exist():
    assert refused(normalise.date_from_serial, 60).code == "date_impossible"


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        ("30/6/2024", "date_format", "Write the date as 2024-06-30"),
        ("6/30/2024", "date_format", "2024年6月30日"),
        ("2024-06/30", "date_format", "Write the date as"),
        ("24-6-30", "date_format", "Write the date as"),
        ("yesterday", "date_format", "Write the date as"),
        ("2024-06-31", "date_impossible", "does not exist"),
        ("2023-02-29", "date_impossible", "does not exist"),
        ("20241301", "date_impossible", "does not exist"),
        (0, "date_format", "Write the date as"),
        (-5, "date_format", "Write the date as"),
        (3_000_000, "date_format", "Write the date as"),
        (float("nan"), "date_format", "Write the date as"),
        ("1949-12-31", "date_early", "before 1 January 1950"),
        (18000, "date_early", "before 1 January 1950"),  # a serial number: 1949-04-12
        ("", "required", "must be filled in"),
    ],
)
def test_wrong_dates_are_refused_with_what_to_fix(value, code, says):
    error = refused(normalise.date, value)
    assert (error.field, error.code) == ("obtained_on", code)
    assert says in error.message


def test_a_date_in_the_future_is_refused_and_today_is_taken():
    today = timezone.localdate()
    assert normalise.date(today.isoformat()) == today
    error = refused(normalise.date, (today + dt.timedelta(days=1)).isoformat())
    assert error.code == "date_future"
    assert "cannot be in the future" in error.message


def test_1_january_1950_is_the_earliest_date_taken():
    assert normalise.date("1950-01-01") == dt.date(1950, 1, 1)


# --- Results -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "kind", "expected"),
    [
        ("优秀", None, ("grade", "优秀")),
        ("良好", None, ("grade", "良好")),
        ("中等", None, ("grade", "中等")),
        ("及格", None, ("grade", "合格")),
        ("不及格", None, ("grade", "不合格")),
        (" 优 秀 ", None, ("grade", "优秀")),
        ("A", None, ("grade", "优秀")),
        ("b", None, ("grade", "良好")),
        ("C+", None, ("grade", "中等")),
        ("D", None, ("grade", "合格")),
        ("D-", None, ("grade", "合格")),
        ("E", None, ("grade", "不合格")),
        ("F", None, ("grade", "不合格")),
        ("Ａ", None, ("grade", "优秀")),
        ("合格", None, ("pass", "pass")),
        ("不合格", None, ("pass", "fail")),
        ("通过", None, ("pass", "pass")),
        ("未通过", None, ("pass", "fail")),
        ("Pass", None, ("pass", "pass")),
        ("FAIL", None, ("pass", "fail")),
        ("passed", None, ("pass", "pass")),
        ("85", None, ("score", "85.00")),
        ("85.5", None, ("score", "85.50")),
        ("85.25", None, ("score", "85.25")),
        ("85分", None, ("score", "85.00")),
        ("85 分", None, ("score", "85.00")),
        ("８５", None, ("score", "85.00")),
        (85, None, ("score", "85.00")),
        (85.0, None, ("score", "85.00")),
        (85.5, None, ("score", "85.50")),
        (0, None, ("score", "0.00")),
        ("100", None, ("score", "100.00")),
        # A kind known beforehand: 合格/不合格 may be grades, 及格/不及格 pass results.
        ("合格", "grade", ("grade", "合格")),
        ("不合格", "grade", ("grade", "不合格")),
        ("A", "grade", ("grade", "优秀")),
        ("及格", "pass", ("pass", "pass")),
        ("不及格", "pass", ("pass", "fail")),
        ("通过", "pass", ("pass", "pass")),
        ("90", "score", ("score", "90.00")),
    ],
)
def test_results_are_read_as_grades_passes_or_scores(value, kind, expected):
    assert normalise.result(value, kind) == expected


@pytest.mark.parametrize(
    ("value", "kind", "code", "says"),
    [
        ("100.5", None, "score", "from 0 to 100"),
        ("101", None, "score", "from 0 to 100"),
        ("-1", None, "score", "from 0 to 100"),
        ("85.125", None, "score", "at most two decimal places"),
        ("优", None, "result", "as a grade (优秀、良好、中等、及格、不及格、A–F)"),
        ("good", None, "result", "as passed or failed (合格、不合格、通过、未通过)"),
        ("G", None, "result", "a score from 0 to 100"),
        ("NaN", None, "result", "a score from 0 to 100"),
        ("优秀", "score", "score", "A score is a number from 0 to 100"),
        ("85", "grade", "result_grade", "Give a grade: 优秀"),
        ("优秀", "pass", "result_pass", "Give passed or failed: 合格"),
        ("", None, "required", "must be filled in"),
        (JUNE_30, None, "excel_date", "into a date"),
    ],
)
def test_other_results_are_refused(value, kind, code, says):
    error = refused(normalise.result, value, kind)
    assert (error.field, error.code) == ("result", code)
    assert says in error.message


# --- Credits and hours ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4", Decimal("4.00")),
        (4, Decimal("4.00")),
        (4.0, Decimal("4.00")),
        ("2.5", Decimal("2.50")),
        (2.5, Decimal("2.50")),
        (0.1 + 0.2, Decimal("0.30")),  # a formula's 0.30000000000000004, as Excel shows it
        ("0", Decimal("0.00")),  # a course that carries no credits
        ("4学分", Decimal("4.00")),
        ("４", Decimal("4.00")),
        ("9999.99", Decimal("9999.99")),
    ],
)
def test_credits_are_decimals_in_hundredths(value, expected):
    number = normalise.credits(value)
    assert number == expected
    assert number.as_tuple().exponent == -2


@pytest.mark.parametrize("value", ["-1", "10000", "2.555", "four", "NaN", -0.5])
def test_other_credits_are_refused(value):
    error = refused(normalise.credits, value)
    assert error.field == "credits"
    assert "Give a credit value from 0 to 9999.99" in error.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("64", Decimal("64.0")),
        (64, Decimal("64.0")),
        (64.0, Decimal("64.0")),
        ("7.5", Decimal("7.5")),
        ("64学时", Decimal("64.0")),
        ("64 小时", Decimal("64.0")),
    ],
)
def test_hours_are_decimals_with_one_place(value, expected):
    assert normalise.hours(value) == expected


@pytest.mark.parametrize("value", ["7.55", "-1", "1000000", "many"])
def test_other_hours_are_refused(value):
    error = refused(normalise.hours, value)
    assert error.field == "hours"
    assert "Give a number from 0 to 999999.9, with at most 1 decimal places." in error.message


# --- Identifiers and text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-CS101-0001", "2024-CS101-0001"),
        ("  A  1 ", "A 1"),
        ("ＡＢ－１２", "AB-12"),
        ("ab-12", "ab-12"),  # the institution's case is kept
        (12345, "12345"),
        (12345.0, "12345"),
        ("x" * 64, "x" * 64),
    ],
)
def test_external_ids_are_normalised(value, expected):
    assert normalise.external_id(value) == expected


@pytest.mark.parametrize(
    ("value", "code", "says"),
    [
        ("", "required", "required"),
        ("x" * 65, "max_length", "At most 64 characters"),
        ("a\x00b", "control", "control characters"),
        ("2.02406E+11", "excel_rounded", "rounded"),
        (1.2345678901234567e17, "excel_rounded", "rounded"),
        (JUNE_30, "excel_date", "into a date"),
        ("<b>", "markup", "< and >"),
    ],
)
def test_wrong_external_ids_are_refused(value, code, says):
    error = refused(normalise.external_id, value)
    assert (error.field, error.code) == ("external_id", code)
    assert says in error.message


def test_certificate_numbers_are_folded_like_identifiers():
    assert normalise.certificate_number(" ＣＳ１０１－２０２４ ") == "CS101-2024"
    assert refused(normalise.certificate_number, "x" * 65).code == "max_length"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("高等数学（一）", "高等数学（一）"),  # full-width brackets of Chinese are kept
        ("线性代数：矩阵，第一册", "线性代数：矩阵，第一册"),
        ("ＡＢＣ１２３（上）", "ABC123（上）"),  # full-width letters and digits are not
        ("  Python   程序设计  ", "Python 程序设计"),
        ("\u3000高等数学\u3000", "高等数学"),
        ("高等\t数学", "高等 数学"),
        ("高等\u200b数学", "高等数学"),  # invisible characters go
        (2024, "2024"),
    ],
)
def test_titles_keep_chinese_punctuation_and_lose_full_width_letters(value, expected):
    assert normalise.title(value) == expected


@pytest.mark.parametrize(
    ("value", "code"),
    [("", "required"), ("a\x07b", "control"), ("x" * 201, "max_length"), ("<i>", "markup")],
)
def test_wrong_titles_are_refused(value, code):
    error = refused(normalise.title, value)
    assert (error.field, error.code) == ("title", code)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("张三", "张三"),
        ("  张三 ", "张三"),
        ("买买提．艾力", "买买提·艾力"),
        ("ＪＯＨＮ Smith", "JOHN Smith"),
        ("𠮷田", "𠮷田"),
    ],
)
def test_names_are_normalised_as_the_accounts_store_them(value, expected):
    assert normalise.name(value) == expected


@pytest.mark.parametrize(("value", "code"), [("张三1", "chars"), ("", "required")])
def test_wrong_names_are_refused(value, code):
    error = refused(normalise.name, value)
    assert (error.field, error.code) == ("name", code)


# --- A whole row ---------------------------------------------------------------------------------

ROW = {
    "external_id": "2024-CS101-0001",
    "id_number": "11010519491231002x",
    "name": "张三",
    "title": "高等数学（一）",
    "obtained_on": "2024/6/30",
    "result": "及格",
    "credits": "4",
    "hours": "64",
    "certificate_number": "CS101-2024-0001",
}


def test_a_good_row_is_normalised_whole():
    clean, errors = normalise_row(ROW)
    assert errors == []
    assert clean == {
        "external_id": "2024-CS101-0001",
        "id_number": "11010519491231002X",
        "account_number": None,
        "name": "张三",
        "title": "高等数学（一）",
        "obtained_on": JUNE_30,
        "result_kind": "grade",
        "result_value": "合格",
        "credits": Decimal("4.00"),
        "hours": Decimal("64.0"),
        "certificate_number": "CS101-2024-0001",
    }
    assert tuple(clean) == normalise.CLEAN_KEYS


def test_every_error_of_a_row_is_reported_in_column_order():
    row = {**ROW, "id_number": "5.00101E+17", "title": "  ", "obtained_on": "30/6/2024"}
    row["result"] = "很好"
    clean, errors = normalise_row(row)
    assert [(e.field, e.code) for e in errors] == [
        ("id_number", "excel_rounded"),
        ("title", "required"),
        ("obtained_on", "date_format"),
        ("result", "result"),
    ]
    assert clean["id_number"] is None and clean["name"] == "张三"


def test_a_row_needs_the_id_number_or_the_account_number():
    row = {key: value for key, value in ROW.items() if key != "id_number"}
    _clean, errors = normalise_row(row)
    assert [(e.field, e.code) for e in errors] == [("id_number", "identity")]
    assert "ID number or learning account number" in errors[0].message

    clean, errors = normalise_row({**row, "account_number": "CB00000000018"})
    assert errors == [] and clean["account_number"] == "CB00000000018"

    clean, errors = normalise_row({**ROW, "account_number": "CB00000000018"})
    assert errors == [] and clean["id_number"] and clean["account_number"]


def test_blank_optional_cells_are_none_and_required_ones_are_refused():
    row = {**ROW, "credits": None, "hours": "", "certificate_number": " "}
    del row["name"]
    clean, errors = normalise_row(row)
    assert (clean["credits"], clean["hours"], clean["certificate_number"]) == (None, None, None)
    assert [(e.field, e.code) for e in errors] == [("name", "required")]


def test_a_known_result_kind_is_applied_to_the_row():
    clean, errors = normalise_row({**ROW, "result": "合格"}, result_kind="grade")
    assert errors == [] and (clean["result_kind"], clean["result_value"]) == ("grade", "合格")


def test_the_clerk_reads_the_messages_in_chinese_by_default():
    with translation.override("zh-hans"):
        error = refused(normalise.id_number, "11010519491231002")
        _clean, errors = normalise_row({})
    assert "X" in error.message and "17" in error.message
    assert "must be filled in" not in errors[-1].message
    assert all(not any("a" <= ch <= "z" for ch in e.message) for e in errors)
