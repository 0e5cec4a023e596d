"""Form fields that normalise what people type, shared by every app's forms.

The free-text fields (``OneLineTextField``, ``PlainTextField``) normalise and check exactly as
the services do (creditbank.text, where the behaviour is written down): control characters
refused, invisible characters dropped, NFC, whitespace collapsed on one line, ``<`` and ``>``
refused on one line, the length counted in characters of the normalised text. Every text field
here, and the real-name check (accounts.identity), drops the invisible characters of
``strip_invisible``.
"""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .text import (  # noqa: F401  (the text names stay importable from here)
    ANGLE_BRACKETS,
    INVISIBLE_CHARACTERS,
    MESSAGES,
    collapse_whitespace,
    has_control_characters,
    normalise_line,
    normalise_paragraphs,
    strip_invisible,
    text_problem,
)


class _FreeTextField(forms.CharField):
    """Free text normalised and checked as creditbank.text says; ``multiline`` chooses one line
    or several paragraphs."""

    multiline = False
    default_error_messages = {
        "control": MESSAGES["control"],
        "markup": MESSAGES["markup"],
    }

    def to_python(self, value):
        # Before CharField strips: str.strip() takes NEL and the C0 separators for spaces.
        if isinstance(value, str) and has_control_characters(value):
            raise ValidationError(self.error_messages["control"], code="control")
        value = super().to_python(value)
        if not value:
            return value
        return normalise_paragraphs(value) if self.multiline else normalise_line(value)

    def validate(self, value):
        super().validate(value)
        problem = value and text_problem(value, multiline=self.multiline)
        if problem:
            raise ValidationError(self.error_messages[problem], code=problem)


class OneLineTextField(_FreeTextField):
    """A single line of plain text: trimmed, inner whitespace collapsed, no ``<`` or ``>``."""


class PlainTextField(_FreeTextField):
    """Several paragraphs of plain text. Line endings become ``\\n``, trailing spaces go, runs of
    blank lines shrink to one. Shown escaped (``linebreaks``), so ``<`` and ``>`` are allowed."""

    multiline = True

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", forms.Textarea(attrs={"rows": 12}))
        super().__init__(**kwargs)


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
