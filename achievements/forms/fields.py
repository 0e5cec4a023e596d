"""Fields the achievements forms share: credit values, numbers, standard codes, levels."""

import unicodedata
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField

from ..credits import (
    CREDIT_DIGITS,
    CREDIT_MAX,
    CREDIT_MIN,
    CREDIT_PLACES,
    CREDIT_STEP,
    credit_is_valid,
    credit_range_message,
)
from ..services.standards import CODE_PATTERN, normalise_code


class DecimalInput(forms.DecimalField):
    """A number: full-width digits and the ideographic full stop made ASCII first."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace("。", ".").strip()
        return super().to_python(value)


class CreditValueField(DecimalInput):
    """A credit value: from ``minimum`` (0.01 unless given) to ``CREDIT_MAX``, in hundredths;
    anything else is told the one message of achievements.credits."""

    def __init__(self, *, minimum: Decimal = CREDIT_MIN, **kwargs):
        kwargs.setdefault("max_digits", CREDIT_DIGITS)
        kwargs.setdefault("decimal_places", CREDIT_PLACES)
        super().__init__(**kwargs)
        self.minimum = minimum
        self.widget.attrs.update(
            {"min": str(minimum), "max": str(CREDIT_MAX), "step": str(CREDIT_STEP)}
        )
        self.widget.attrs.setdefault("inputmode", "decimal")

    def validate(self, value):
        super().validate(value)
        if value is not None and not credit_is_valid(value, minimum=self.minimum):
            raise forms.ValidationError(credit_range_message(self.minimum), code="credit_value")


class StandardCodeField(OneLineTextField):
    default_error_messages = {
        "code": _(
            "Use 2 to 32 capital letters, digits, hyphens and dots, starting with a letter or "
            "digit, e.g. CQ-IT-0001."
        ),
    }

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_code(value) if value else value

    def validate(self, value):
        super().validate(value)
        if value and not CODE_PATTERN.match(value):
            raise forms.ValidationError(self.error_messages["code"], code="code")


class LevelChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return str(obj)
