"""Keeping identity numbers, passwords and tokens out of audit events and logs.

Masking keeps the first and last four characters, the form used on every page
(``5001**********123X``), so staff can still tell two people apart without the full number.
"""

import logging
import re
from collections.abc import Mapping
from typing import Any

# Mainland resident ID numbers: 18 characters (17 digits and a digit or X) or the old 15 digits,
# not part of a longer run of letters or digits.
_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")

_SENSITIVE_KEY = re.compile(
    r"pass(word)?|secret|token|otp|recovery|id_number|api_key|session|signature|credential",
    re.IGNORECASE,
)
REDACTED = "[redacted]"


def mask_id_number(value: str) -> str:
    """``500101199001011234`` → ``5001**********1234``; short values are masked whole."""
    value = value.strip()
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def redact_text(text: str) -> str:
    """Mask every identity-number-like run of digits in free text."""
    return _ID_NUMBER.sub(lambda m: mask_id_number(m.group(1)), text)


def redact(value: Any) -> Any:
    """Return a JSON-safe copy of ``value`` with secrets removed and ID numbers masked.

    Mapping keys that name a secret lose their value entirely; strings are masked; numbers other
    than plain ints become strings so that they read back from ``jsonb`` exactly as hashed.
    """
    if isinstance(value, Mapping):
        return {
            str(key): (REDACTED if _SENSITIVE_KEY.search(str(key)) else redact(item))
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [redact(item) for item in value]
    if value is None or isinstance(value, bool | int):
        return value
    return redact_text(str(value))


class RedactingFilter(logging.Filter):
    """A logging filter that masks ID numbers in every formatted message, except in a record
    marked ``redacted`` (``extra={"redacted": True}``) by code that masked its message itself
    and knows which digits are not ID numbers (the console e-mails of creditbank.mail)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "redacted", False) is True:
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record  # noqa: BLE001
            return True
        redacted = redact_text(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
