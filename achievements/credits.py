"""Credit values (学分值): the one maximum and the one check, read by models, forms and services.

A credit value — a unit standard's, a recognition's, the credits an issuer awarded for an
achievement — is a decimal in hundredths from its minimum up to ``CREDIT_MAX``. The minimum is
0.01, except for the issuer's original credits, which may be 0 (a course that carries none).

The maximum is what the database holds: the credit columns are ``numeric(6, 2)``, declared with
``CREDIT_DIGITS`` and ``CREDIT_PLACES`` from here, so 9999.99 — the value two of the three
services and the standards' message already used. Nothing in the policy texts caps one credit
value, and a single achievement never comes near it (a whole degree is about 480 credits on the
HKQF scale of the design, 1 credit = 10 notional learning hours); a lower cap would only make
the database and the check disagree again. The ledger's amounts are ``numeric(8, 2)``, so a
balance of many such values still fits.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from creditbank.errors import InvalidInput

CREDIT_DIGITS = 6
CREDIT_PLACES = 2
CREDIT_STEP = Decimal(1).scaleb(-CREDIT_PLACES)  # 0.01
CREDIT_MAX = Decimal(10) ** (CREDIT_DIGITS - CREDIT_PLACES) - CREDIT_STEP  # 9999.99
CREDIT_MIN = CREDIT_STEP


def credit_range_message(minimum: Decimal = CREDIT_MIN) -> str:
    """What a refused credit value is told, beside the field, on a form or from a service."""
    return _("Give a credit value from %(min)s to %(max)s, with at most two decimal places.") % {
        "min": minimum,
        "max": CREDIT_MAX,
    }


def credit_is_valid(value: Decimal, *, minimum: Decimal = CREDIT_MIN) -> bool:
    return (
        isinstance(value, Decimal)
        and value.is_finite()
        and minimum <= value <= CREDIT_MAX
        and value == value.quantize(CREDIT_STEP)
    )


def credit_check(value, *, field: str, minimum: Decimal = CREDIT_MIN) -> Decimal:
    """``value`` (a ``Decimal``, or text or an integer that reads as one) as a credit value from
    ``minimum`` to ``CREDIT_MAX`` in hundredths; otherwise ``InvalidInput`` naming ``field``
    with ``credit_range_message``."""
    number = value
    if not isinstance(number, Decimal):
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            number = None
    if number is None or not credit_is_valid(number, minimum=minimum):
        raise InvalidInput(credit_range_message(minimum), field=field, code="credit_value")
    return number


def hours_per_credit() -> int:
    """The notional learning hours one credit stands for (``CREDITBANK_HOURS_PER_CREDIT``)."""
    return settings.CREDITBANK_HOURS_PER_CREDIT


def credits_from_hours(hours: Decimal | None) -> Decimal | None:
    """The credits ``hours`` of learning stand for, in hundredths (half up); ``None`` for no
    hours. A suggestion for the person deciding, never a decision."""
    if hours is None:
        return None
    return (Decimal(hours) / hours_per_credit()).quantize(CREDIT_STEP, rounding=ROUND_HALF_UP)


def credit_hint() -> str:
    """ "1 credit = N notional learning hours", in the current language."""
    hours = hours_per_credit()
    return ngettext(
        "1 credit = %(hours)s notional learning hour.",
        "1 credit = %(hours)s notional learning hours.",
        hours,
    ) % {"hours": hours}


# For help texts, which are made when a form class is defined: the hint as it is when shown.
credit_hint_lazy = lazy(credit_hint, str)
