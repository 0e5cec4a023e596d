"""One free-text validator (creditbank.text): the form fields and the services normalise the same
text to the same value and refuse the same text with the same code."""

import pytest
from django.core.exceptions import ValidationError

from creditbank.errors import ServiceError
from creditbank.fields import OneLineTextField, PlainTextField
from creditbank.text import clean_text, normalise_line, normalise_paragraphs

E_ACUTE_DECOMPOSED = "e\u0301"  # e and a combining acute accent: NFC makes it é

LINES = [
    ("  养老\u3000护理\t员 ", "养老 护理 员"),
    ("\u202e报告\u200bgpj.exe", "报告gpj.exe"),
    (f"Ren{E_ACUTE_DECOMPOSED} 培训", "René 培训"),
    ("买买提·艾力 𠮷", "买买提·艾力 𠮷"),
    ("第一行\r\n第二行", "第一行 第二行"),
    ("（全角，标点）", "（全角，标点）"),  # NFC, not NFKC: Chinese punctuation stays
]
PARAGRAPHS = [
    ("第一段  \r\n\r\n\r\n\r\n第二段\t甲", "第一段\n\n第二段\t甲"),
    (f"<b>{E_ACUTE_DECOMPOSED}</b>\u2066", "<b>é</b>"),
    ("\n\n  缩进的第一行\n", "缩进的第一行"),
]


def form_clean(value, *, multiline=False, max_length=20, required=True):
    field = PlainTextField if multiline else OneLineTextField
    return field(max_length=max_length, required=required).clean(value)


def service_clean(value, *, multiline=False, max_length=20, required=True):
    return clean_text(
        value, field="text", max_length=max_length, required=required, multiline=multiline
    )


@pytest.mark.parametrize(("typed", "stored"), LINES)
def test_one_line_is_stored_alike_by_form_and_service(typed, stored):
    assert form_clean(typed) == service_clean(typed) == stored
    assert normalise_line(stored) == stored  # the same when applied again


@pytest.mark.parametrize(("typed", "stored"), PARAGRAPHS)
def test_paragraphs_are_stored_alike_by_form_and_service(typed, stored):
    assert form_clean(typed, multiline=True) == service_clean(typed, multiline=True) == stored
    assert normalise_paragraphs(stored) == stored


@pytest.mark.parametrize(
    ("typed", "multiline", "code"),
    [
        ("培训\x00", False, "control"),
        ("培训\x1b[31m", True, "control"),
        ("\x85", False, "control"),  # NEL, which str.split() would take for a space
        ("<script>", False, "markup"),
        ("＜全角＞", False, "markup"),
        ("   ", False, "required"),
        ("\u200b\u202e", True, "required"),
        ("长" * 21, False, "max_length"),
        ("𠮷" * 21, True, "max_length"),
    ],
)
def test_form_and_service_refuse_the_same_text_with_the_same_code(typed, multiline, code):
    with pytest.raises(ValidationError) as form_refusal:
        form_clean(typed, multiline=multiline)
    with pytest.raises(ServiceError) as service_refusal:
        service_clean(typed, multiline=multiline)
    assert form_refusal.value.error_list[0].code == code
    assert (service_refusal.value.code, service_refusal.value.field) == (code, "text")


def test_markup_is_allowed_in_paragraphs_only():
    assert service_clean("a < b", multiline=True) == "a < b"
    with pytest.raises(ServiceError):
        service_clean("a < b")


def test_the_length_is_counted_after_normalising():
    """Twenty characters as seen: a decomposed é counts one, an astral 𠮷 counts one, and
    invisible characters count nothing."""
    typed = E_ACUTE_DECOMPOSED * 10 + "𠮷" * 10 + "\u200b" * 5
    assert len(typed) == 35
    assert form_clean(typed) == service_clean(typed) == "é" * 10 + "𠮷" * 10


def test_an_optional_text_may_be_empty_and_none_is_empty():
    assert service_clean(None, required=False) == ""
    assert form_clean("  ", required=False) == ""
