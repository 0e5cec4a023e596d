"""Free text that people type: one normalisation and one set of checks for forms and services.

Names, titles, reasons and notes are shown on pages, in e-mails and in exports. Whether they
arrive through a form (creditbank.fields) or straight at a service (demo data, commands, tasks),
they are treated the same way, in this order:

1. Control characters (C0 but TAB, LF and CR; DEL; C1) are **refused**: nobody types them, they
   break exports and e-mails, and PostgreSQL cannot store NUL. (A request carrying one never gets
   this far: creditbank.inputguard answers 400. This check is for everything else.)
2. Bidirectional controls and zero-width characters (``INVISIBLE_CHARACTERS``) are **dropped**: a
   person cannot see them to delete them, so a message about them could not be acted on, and what
   is stored is then exactly what the person saw.
3. The text is put in Unicode **NFC**: canonically equal text (é typed as one character or as e
   and a combining accent) is stored, compared and counted alike. Not NFKC, which would turn the
   full-width punctuation of Chinese prose (，：（）) into ASCII; identifiers that must be
   compared loosely (codes, certificate and ID numbers, phone numbers) use NFKC where they are
   parsed, not here.
4. One line (names, titles, short reasons): leading and trailing whitespace go and every inner
   run of whitespace (tabs, line breaks, the ideographic space U+3000) becomes one space; ``<``
   and ``>`` (and their full-width forms) are **refused** — they have no legitimate use there,
   and refusing them says plainly that markup is not taken. Several paragraphs (answers,
   statements, descriptors): line endings become ``\\n``, trailing spaces go, runs of blank lines
   shrink to one; ``<`` and ``>`` are allowed (shown escaped).
5. The length is counted in characters (code points) of the normalised text, so 𠮷 counts one
   and the form and the service agree on what is too long.

Characters outside the BMP (𠮷) and the middle dot of transliterated names (买买提·艾力) pass
unchanged.
"""

import re
import unicodedata

from django.utils.translation import gettext_lazy as _

from .errors import InvalidInput

# C0 without TAB (09), LF (0A) and CR (0D); DEL; C1 (U+0080–U+009F, e.g. NEL U+0085).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

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

# What a refusal says, the same beside a form field and from a service.
MESSAGES = {
    "required": _("This field is required."),
    "max_length": _("At most %(max)d characters, please."),
    "control": _(
        "This text contains control characters, which cannot be stored. Please type it again."
    ),
    "markup": _("The characters < and > are not allowed here."),
}


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def strip_invisible(value: str) -> str:
    """``value`` without the bidirectional controls and zero-width characters."""
    return value.translate(_DROP_INVISIBLE)


def collapse_whitespace(value: str) -> str:
    return " ".join(value.split())


def normalise_line(value: str) -> str:
    """One line of text as it is stored: invisible characters dropped, NFC, whitespace
    collapsed. The same result when applied twice."""
    return collapse_whitespace(unicodedata.normalize("NFC", strip_invisible(value)))


def normalise_paragraphs(value: str) -> str:
    """Several paragraphs as they are stored: invisible characters dropped, NFC, ``\\n`` line
    endings, no trailing spaces, at most one blank line in a row, no leading or trailing blank
    lines. The same result when applied twice."""
    value = unicodedata.normalize("NFC", strip_invisible(value))
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in value.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def text_problem(value: str, *, multiline: bool) -> str | None:
    """The code of what is wrong with already normalised text (``markup``), else ``None``;
    control characters are looked for before normalising (``has_control_characters``)."""
    if not multiline and ANGLE_BRACKETS.search(value):
        return "markup"
    return None


def clean_text(
    value, *, field: str, max_length: int, required: bool = True, multiline: bool = False
) -> str:
    """``value`` normalised as the module docstring says, for a service to store.

    Raises ``InvalidInput`` naming ``field`` (codes ``control``, ``required``, ``max_length``,
    ``markup``) for text the shared form fields would refuse too. ``None`` counts as empty.
    """
    value = str(value or "")
    if has_control_characters(value):
        raise InvalidInput(str(MESSAGES["control"]), field=field, code="control")
    value = normalise_paragraphs(value) if multiline else normalise_line(value)
    if required and not value:
        raise InvalidInput(str(MESSAGES["required"]), field=field, code="required")
    if len(value) > max_length:
        raise InvalidInput(
            str(MESSAGES["max_length"]) % {"max": max_length}, field=field, code="max_length"
        )
    problem = text_problem(value, multiline=multiline)
    if problem:
        raise InvalidInput(str(MESSAGES[problem]), field=field, code=problem)
    return value
