"""Forms of deposits (存储): the learner's and the clerk's, evidence and the archive filter."""

import json
import unicodedata
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from accounts.services.learners import account_number_is_valid
from creditbank.errors import ServiceError
from creditbank.fields import OneLineTextField

from ..models import Achievement, AchievementCategory
from ..services import deposits as services_deposits
from ..services.deposits import AchievementFacts
from .fields import CreditValueField, DecimalInput


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django's "Uploading multiple files"); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple) and data:
            return [single(d, initial) for d in data]
        if data or self.required:
            return [single(data or None, initial)]
        return []


class EvidenceFilesField(MultipleFileField):
    """Evidence files: each checked by its content and size as the services will."""

    def clean(self, data, initial=None):
        files = super().clean(data, initial)
        errors = []
        for upload in files:
            try:
                services_deposits.evidence_check(upload)
            except ServiceError as exc:
                errors.append(forms.ValidationError(exc.message, code=exc.code))
        if errors:
            raise forms.ValidationError(errors)
        return files


def _evidence_help():
    return _("PDF, JPEG or PNG; at most 10 MB each and 200 MB for all your evidence.")


class AchievementForm(forms.Form):
    """The facts of an achievement. The result is given in the one of ``score``, ``grade`` and
    ``pass_result`` that ``result_kind`` names; ``clean`` puts it in ``result_value``."""

    category = forms.ModelChoiceField(
        label=_("Category"), queryset=AchievementCategory.objects.active(), empty_label=None
    )
    title = OneLineTextField(
        label=_("Title"),
        max_length=200,
        help_text=_("The course, certificate or activity, as the issuer names it."),
    )
    issuer_institution = forms.ModelChoiceField(
        label=_("Issuing institution"),
        queryset=Institution.objects.filter(status=Institution.Status.APPROVED).order_by("name"),
        required=False,
        empty_label=_("Not in the list — type the name below"),
    )
    issuer_name = OneLineTextField(
        label=_("Issuer's name (if not in the list)"), max_length=120, required=False
    )
    obtained_on = forms.DateField(
        label=_("Date obtained"), widget=forms.DateInput(attrs={"type": "date"})
    )
    result_kind = forms.ChoiceField(
        label=_("Type of result"),
        choices=Achievement.ResultKind.choices,
        widget=forms.RadioSelect,
    )
    score = DecimalInput(
        label=_("Score"),
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text=_("For a score: 0 to 100."),
    )
    grade = forms.ChoiceField(
        label=_("Grade"),
        required=False,
        choices=[("", "—"), *Achievement.Grade.choices],
    )
    pass_result = forms.ChoiceField(
        label=_("Passed or failed"),
        required=False,
        choices=[("", "—"), *Achievement.PassResult.choices],
    )
    hours = DecimalInput(
        label=_("Learning hours"),
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=1,
    )
    original_credits = CreditValueField(
        label=_("Original credits"),
        required=False,
        minimum=Decimal(0),
        help_text=_("The credits the issuer awarded, if any."),
    )
    certificate_number = OneLineTextField(
        label=_("Certificate number"), max_length=64, required=False
    )

    RESULT_FIELDS = {"score": "score", "grade": "grade", "pass": "pass_result"}
    # The wrappers of required fields carry this class: the page marks them (site.css).
    required_css_class = "required"

    @property
    def result_fields_json(self) -> str:
        """``RESULT_FIELDS`` for static/js/deposit-form.js, which shows only the chosen one."""
        return json.dumps(self.RESULT_FIELDS)

    def clean(self):
        data = super().clean()
        kind = data.get("result_kind")
        field = self.RESULT_FIELDS.get(kind)
        if field:
            value = data.get(field)
            if value in (None, "") and field not in self.errors:
                self.add_error(field, _("Give the result."))
            data["result_value"] = "" if value is None else str(value)
        if (
            "issuer_name" in self.fields
            and data.get("issuer_institution") is None
            and not data.get("issuer_name")
            and "issuer_name" not in self.errors
        ):
            self.add_error(
                "issuer_name",
                _("Choose the issuing institution from the list, or type its name."),
            )
        return data

    def facts(self) -> AchievementFacts:
        """The cleaned data as the services take it (a clerk's form has no ``issuer_name``)."""
        data = self.cleaned_data
        return AchievementFacts(
            category=data["category"],
            title=data["title"],
            issuer_institution=data.get("issuer_institution"),
            issuer_name=data.get("issuer_name") or "",
            obtained_on=data["obtained_on"],
            result_kind=data["result_kind"],
            result_value=data.get("result_value", ""),
            hours=data.get("hours"),
            original_credits=data.get("original_credits"),
            certificate_number=data.get("certificate_number") or "",
        )

    def field_for(self, service_field: str | None) -> str | None:
        """Where a service's refusal about ``service_field`` is shown."""
        if service_field == "result_value":
            return self.RESULT_FIELDS.get(self.cleaned_data.get("result_kind"))
        return service_field if service_field in self.fields else None


class DepositForm(AchievementForm):
    files = EvidenceFilesField(label=_("Evidence files"), help_text=_evidence_help())


class EvidenceForm(forms.Form):
    files = EvidenceFilesField(label=_("Add evidence files"), help_text=_evidence_help())


class AccountLookupForm(forms.Form):
    """A learning account number, checked by its check digit before anyone looks it up."""

    account_number = forms.CharField(
        label=_("Learning account number"),
        max_length=16,
        help_text=_("As on the learner's account card, e.g. CB00000000011."),
    )

    def clean_account_number(self):
        value = "".join(unicodedata.normalize("NFKC", self.cleaned_data["account_number"]).split())
        value = value.upper()
        if not account_number_is_valid(value):
            raise forms.ValidationError(
                _("This is not a valid account number; check it and the last digit."),
                code="invalid",
            )
        return value


class ClerkDepositForm(DepositForm):
    """A clerk's deposit: the account number travels with the form; the issuer is one of the
    clerk's institutions."""

    account_number = forms.CharField(widget=forms.HiddenInput)
    field_order = ["account_number", "issuer_institution"]

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["issuer_institution"].queryset = institutions
        self.fields["issuer_institution"].required = True
        self.fields["issuer_institution"].empty_label = None
        del self.fields["issuer_name"]


class AchievementFilterForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=AchievementCategory.objects.all(),
        required=False,
        empty_label=_("All categories"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *Achievement.Status.choices],
        required=False,
    )
    year = forms.IntegerField(
        label=_("Year obtained"), required=False, min_value=1900, max_value=2100
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The choices in one plain query, and only when they are shown or checked: a model
        # choice field reads its queryset through a server-side cursor (three round trips),
        # and the archive shows the unfiltered form from the cache (archive.html).
        field = self.fields["category"]
        categories = field.queryset.only("name_zh", "name_en")
        field.choices = lambda: [("", field.empty_label), *((c.pk, str(c)) for c in categories)]

    def filter(self, achievements):
        data = self.cleaned_data
        if data["category"]:
            achievements = achievements.filter(category=data["category"])
        if data["status"]:
            achievements = achievements.filter(status=data["status"])
        if data["year"]:
            achievements = achievements.filter(obtained_on__year=data["year"])
        return achievements
