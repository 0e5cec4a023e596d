"""Real-name identity: ID types, normalising and checking ID numbers, checking names.

Forms call these to turn what a person typed into the one canonical form (``clean_*``); the
services then store the canonical form encrypted (creditbank.pii) and look it up by keyed hash.
"""

import re
import unicodedata
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidComponent
from stdnum.exceptions import ValidationError as StdnumError

from creditbank.fields import strip_invisible


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Mainland resident ID card")
    HK_MACAO_PERMIT = "hk_macao_permit", _("Hong Kong / Macao residents' permit")
    TAIWAN_PERMIT = "taiwan_permit", _("Taiwan residents' permit")
    PASSPORT = "passport", _("Passport")


# Permit numbers: Hong Kong/Macao "H"/"M" + 8 digits (older cards + 2 more), Taiwan 8 digits
# (older 10); passports 5–17 letters and digits. Residence permits for Hong Kong, Macao and Taiwan
# residents carry an 18-character number with the same check digit as a resident ID card.
_PERMIT_PATTERNS = {
    IdType.HK_MACAO_PERMIT: re.compile(r"[HM]\d{8}(\d{2})?"),
    IdType.TAIWAN_PERMIT: re.compile(r"\d{8}(\d{2})?"),
    IdType.PASSPORT: re.compile(r"[A-Z0-9]{5,17}"),
}


# The province-level codes of GB/T 2260, and 81/82/83 of the residence permits for Hong Kong,
# Macao and Taiwan residents, which carry numbers of the same form.
PROVINCES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


def normalise_id_number(raw: str) -> str:
    """Full-width characters to ASCII, spaces and dashes removed, letters upper-case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return re.sub(r"[\s\-]", "", text).upper()


def clean_id_number(id_type: str, raw: str) -> tuple[str, date | None]:
    """Return the canonical ID number and, for a resident ID card, the birth date it encodes.

    Raises ``ValidationError`` with a message a person can act on.
    """
    number = normalise_id_number(raw)
    if not number:
        raise ValidationError(_("Enter the ID number."), code="required")
    if id_type == IdType.RESIDENT_ID:
        if not re.fullmatch(r"\d{17}[\dX]", number):
            raise ValidationError(
                _("A resident ID number has 18 characters: 17 digits and a digit or X."),
                code="format",
            )
        # GB 11643: the check digit, then a real birth date and province. python-stdnum's full
        # validate() also requires the county to have existed in the birth year, which refuses
        # real numbers: the region is where the card was first issued, not where one was born
        # (people born in 1990 carry Chongqing's 500xxx codes, created in 1997).
        if number[-1] != ric.calc_check_digit(number):
            raise ValidationError(
                _("The check digit does not match: please check the ID number again."),
                code="checksum",
            )
        try:
            ric.get_birth_date(number)
        except (InvalidComponent, StdnumError) as exc:
            raise ValidationError(
                _("This ID number contains an impossible birth date or region code."),
                code="component",
            ) from exc
        if number[:2] not in PROVINCES:
            raise ValidationError(
                _("This ID number contains an impossible birth date or region code."),
                code="component",
            )
        birth_date = ric.get_birth_date(number)
        if birth_date > date.today():
            raise ValidationError(_("The birth date in this ID number is in the future."))
        return number, birth_date
    pattern = _PERMIT_PATTERNS.get(id_type)
    if pattern is None:
        raise ValidationError(_("Choose an ID type."), code="id_type")
    if not pattern.fullmatch(number):
        raise ValidationError(
            _("This does not look like a number of the chosen ID type."), code="format"
        )
    return number, None


# Letters of any script (CJK including the supplementary planes, e.g. 𠮷), combining marks,
# spaces between words, the middle dot of transliterated names (买买提·艾力) and apostrophes and
# hyphens of Latin names. No digits, no markup.
_NAME_CHARS = re.compile(r"^[^\W\d_](?:[^\W\d_]|[\u0300-\u036f·' \-])*$")
_DOTS = str.maketrans({"•": "·", "・": "·", "‧": "·", "．": "·", "﹒": "·", "∙": "·"})


def clean_real_name(raw: str) -> str:
    """Drop invisible characters (as every text field does), trim, fold look-alike dots into
    the middle dot, collapse spaces, and check the letters."""
    name = unicodedata.normalize("NFC", strip_invisible(raw or "")).translate(_DOTS)
    name = re.sub(r"\s+", " ", name).strip()
    if not name:
        raise ValidationError(_("Enter the name as it appears on the ID."), code="required")
    if len(name) > 50:
        raise ValidationError(_("A name can have at most 50 characters."), code="max_length")
    if not _NAME_CHARS.match(name) or name.endswith(("·", "-", "'")) or "··" in name:
        raise ValidationError(
            _("A name may contain letters, spaces and the middle dot (·) only."), code="chars"
        )
    return name
