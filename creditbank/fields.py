"""Form fields that normalise what people type, shared by every app's forms.

Names, addresses, titles and reasons are shown on pages, in e-mails and in exports, so one-line
fields collapse whitespace (including the ideographic space U+3000) and refuse ``<`` and ``>``:
there is no legitimate use for them there, and refusing them says plainly that markup is not
taken. Characters outside the
BMP (𠮷) and the middle dot of transliterated names (买买提·艾力) pass unchanged.

Every text field here, and the real-name check (accounts.identity), drops the invisible
characters of ``strip_invisible`` (bidirectional controls and zero-width characters). They are
dropped, not refused: a person cannot see them to delete them, so a message about them could
not be acted on, and what is stored is then exactly what the person saw. Control characters
(NUL and the like) never get this far: creditbank.inputguard answers 400 for them.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

ANGLE_BRACKETS = re.compile(r"[<>＜＞]")

# Characters that change how the text around them is shown or compared without showing
# themselves: the bidirectional embeddings, overrides and isolates (U+202A–U+202E,
# U+2066–U+2069) and marks (U+200E, U+200F, U+061C); the zero-width space, non-joiner and joiner
# (U+200B–U+200D), the word joiner (U+2060) and the byte-order mark (U+FEFF). An override makes
# "报告\u202egpj.exe" read as "报告exe.jpg"; a zero-width space makes 张三 and 张\u200b三 differ.
INVISIBLE_CHARACTERS = (
    "\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2066\u2067\u2068\u2069\ufeff"
)
_DROP_INVISIBLE = str.maketrans(dict.fromkeys(INVISIBLE_CHARACTERS))


def strip_invisible(value: str) -> str:
    """``value`` without the bidirectional controls and zero-width characters."""
    return value.translate(_DROP_INVISIBLE)


def collapse_whitespace(value: str) -> str:
    return " ".join(value.split())


class OneLineTextField(forms.CharField):
    """A single line of plain text: trimmed, inner whitespace collapsed, no ``<`` or ``>``."""

    default_error_messages = {
        "markup": _("The characters < and > are not allowed here."),
    }

    def to_python(self, value):
        value = super().to_python(value)
        return collapse_whitespace(strip_invisible(value)) if value else value

    def validate(self, value):
        super().validate(value)
        if value and ANGLE_BRACKETS.search(value):
            raise ValidationError(self.error_messages["markup"], code="markup")


class PlainTextField(forms.CharField):
    """Several paragraphs of plain text. Line endings become ``\\n``, trailing spaces go, runs of
    blank lines shrink to one. Shown escaped (``linebreaks``), so ``<`` and ``>`` are allowed."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 12}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        value = strip_invisible(value).replace("\r\n", "\n").replace("\r", "\n")
        lines = [line.rstrip() for line in value.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


class PhoneField(forms.CharField):
    """A telephone number: full-width digits made ASCII, e.g. ``023-63000001`` or
    ``13800138000``; digits, spaces, hyphens, brackets and a leading plus only."""

    default_error_messages = {
        "phone": _("Enter a phone number such as 023-63000001 or 13800138000."),
    }
    pattern = re.compile(r"^\+?[0-9][0-9 ()\-]{4,19}$")

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        value = unicodedata.normalize("NFKC", strip_invisible(value))
        value = value.replace("—", "-").replace("－", "-")
        return collapse_whitespace(value)

    def validate(self, value):
        super().validate(value)
        if value and not self.pattern.match(value):
            raise ValidationError(self.error_messages["phone"], code="phone")


class SearchField(forms.CharField):
    """A search box: trimmed and collapsed; anything may be searched for (queries are bound
    parameters and results are escaped), so nothing is refused."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault(
            "widget", forms.TextInput(attrs={"type": "search", "enterkeyhint": "search"})
        )
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return collapse_whitespace(strip_invisible(value)) if value else value
