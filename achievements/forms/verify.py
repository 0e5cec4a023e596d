"""Forms of the public verification pages (验证) and of the centre's document management."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField, SearchField

from ..models import ProofDocument
from ..services.proof import CODE_ALPHABET, CODE_LENGTH, code_normalise


class VerifyCodeForm(forms.Form):
    """A verification code as printed or typed: any case, with dashes or spaces."""

    code = forms.CharField(
        label=_("Verification code"),
        max_length=40,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "mono",
            }
        ),
    )

    def clean_code(self):
        code = code_normalise(self.cleaned_data["code"])
        if len(code) != CODE_LENGTH or any(char not in CODE_ALPHABET for char in code):
            raise forms.ValidationError(
                _("A verification code has 20 letters and digits, in five groups of four."),
                code="code",
            )
        return code


class SharePinForm(forms.Form):
    pin = forms.CharField(
        label=_("PIN"),
        max_length=8,
        widget=forms.PasswordInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "mono"}
        ),
        help_text=_("The learner gave you the PIN together with the link."),
    )


class InquiryForm(forms.Form):
    """A learning credit inquiry (学习信誉查询); the service checks the account and code."""

    account_number = OneLineTextField(
        label=_("Learning account number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "off", "class": "mono"}),
    )
    code = forms.CharField(
        label=_("Consent code"),
        max_length=30,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "class": "mono"}
        ),
        help_text=_("The learner made this code for you; it works once."),
    )
    inquirer = OneLineTextField(
        label=_("Your name or organisation"),
        max_length=120,
        help_text=_("The learner sees who made the inquiry."),
    )
    purpose = OneLineTextField(label=_("Purpose"), max_length=120, required=False)


DOCUMENT_FILTERS = [
    ("", _("All statuses")),
    *ProofDocument.Status.choices,
    ("suspended", _("Suspended")),
]


class DocumentSearchForm(forms.Form):
    """The centre's list: a verification code (exact) or a learning account number."""

    q = SearchField(label=_("Verification code or account number"))
    status = forms.ChoiceField(label=_("Status"), choices=DOCUMENT_FILTERS, required=False)

    def filter(self, documents):
        status = self.cleaned_data["status"]
        if status == "suspended":
            documents = documents.filter(status=ProofDocument.Status.READY, suspended=True)
        elif status:
            documents = documents.filter(status=status)
        if query := self.cleaned_data["q"]:
            documents = documents.filter(
                Q(code=code_normalise(query))
                | Q(account__account_number=query.replace(" ", "").upper())
            )
        return documents
