"""Fields the achievements forms share: credit values, numbers, standard codes, levels."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField

from ..services.standards import CODE_PATTERN, normalise_code


class DecimalInput(forms.DecimalField):
    """A number: full-width digits and the ideographic full stop made ASCII first."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace("。", ".").strip()
        return super().to_python(value)


class CreditValueField(DecimalInput):
    """A credit value: more than 0, at most two decimal places."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget.attrs.update({"min": "0.01", "inputmode": "decimal"})

    def validate(self, value):
        super().validate(value)
        if value is not None and value <= 0:
            raise forms.ValidationError(
                _("The credit value must be more than 0."), code="not_positive"
            )


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
