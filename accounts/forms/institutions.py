"""Forms for institution accounts: they validate and normalise input; the services decide."""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.cn import uscc
from stdnum.exceptions import InvalidChecksum, InvalidLength
from stdnum.exceptions import ValidationError as InvalidNumber

from creditbank.fields import OneLineTextField, PlainTextField

from ..models import Institution, InstitutionStaff

_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(-\d{1,6})?|400-?\d{3}-?\d{4})$")


def normalise_credit_code(value: str) -> str:
    """Full-width characters to ASCII (NFKC), spaces and hyphens removed, upper case."""
    value = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s-]+", "", value).upper()


class InstitutionApplicationForm(forms.Form):
    name = OneLineTextField(label=_("Name of the organisation"), max_length=120)
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,  # room for spaces; the canonical form has 18 characters
        help_text=_("18 characters, as printed on the business licence or registration."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(
        label=_("Type"), choices=[("", "---------"), *Institution.Kind.choices]
    )
    address = OneLineTextField(label=_("Address"), max_length=200)
    contact_name = OneLineTextField(label=_("Contact person"), max_length=60)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=20,
        help_text=_("A mobile number, or a landline number with its area code (023-12345678)."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_credit_code(self):
        code = normalise_credit_code(self.cleaned_data["credit_code"])
        try:
            return uscc.validate(code)
        except InvalidLength as exc:
            raise forms.ValidationError(
                _("A unified social credit code has 18 characters."), code="length"
            ) from exc
        except InvalidChecksum as exc:
            raise forms.ValidationError(
                _("The check character (the last one) does not match; please check the code."),
                code="checksum",
            ) from exc
        except InvalidNumber as exc:  # InvalidFormat: a character out of place
            raise forms.ValidationError(
                _(
                    "A unified social credit code starts with 8 digits, followed by digits and "
                    "capital letters other than I, O, Z, S and V."
                ),
                code="format",
            ) from exc

    def clean_contact_phone(self):
        phone = unicodedata.normalize("NFKC", self.cleaned_data["contact_phone"])
        phone = re.sub(r"[\s()]+", "", phone).removeprefix("+86")
        if not _PHONE.match(phone):
            raise forms.ValidationError(
                _("Enter a mobile number or a landline number with its area code."), code="phone"
            )
        return phone

    def clean_contact_email(self):
        return self.cleaned_data["contact_email"].lower()


class InstitutionFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Institution.Status.choices],
        required=False,
    )

    def filter(self, institutions):
        if self.cleaned_data["status"]:
            institutions = institutions.filter(status=self.cleaned_data["status"])
        return institutions


class InstitutionDecisionForm(forms.Form):
    """The decisions open for the institution's status are passed in as ``decisions``."""

    LABELS = {
        "approve": _("Approve"),
        "reject": _("Reject"),
        "suspend": _("Suspend"),
        "reinstate": _("Reinstate"),
    }

    decision = forms.ChoiceField(label=_("Decision"), widget=forms.RadioSelect)
    reason = PlainTextField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Required when rejecting or suspending; the institution will see it."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, decisions: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [(d, self.LABELS[d]) for d in decisions]


class InstitutionInvitationForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=InstitutionStaff.Role.choices)

    def clean_email(self):
        return self.cleaned_data["email"].lower()
