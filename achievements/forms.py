"""Forms of the standards pages: they validate and normalise; the services decide."""

import unicodedata

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from accounts.services.learners import account_number_is_valid
from creditbank.errors import ServiceError
from creditbank.fields import OneLineTextField, PlainTextField, SearchField

from .models import Achievement, AchievementCategory, QualificationLevel, UnitStandard
from .services import deposits as services_deposits
from .services.standards import CODE_PATTERN, normalise_code

CENTRE = "centre"


class CreditValueField(forms.DecimalField):
    """A credit value: full-width digits and the ideographic full stop made ASCII first."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_digits", 6)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.widget.attrs.update({"min": "0.01", "inputmode": "decimal"})

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace("。", ".").strip()
        return super().to_python(value)

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


class UnitStandardForm(forms.Form):
    """Drafting or editing a unit standard. ``issuers`` (on creation only) are the choices of
    issuing body; the code is fixed once a standard has versions (``code_fixed``)."""

    issuer = forms.ChoiceField(label=_("Issued by"))
    code = StandardCodeField(
        label=_("Code"),
        max_length=32,
        help_text=_("Capital letters, digits, hyphens and dots, e.g. CQ-IT-0001."),
    )
    name = OneLineTextField(label=_("Name"), max_length=120)
    field = OneLineTextField(
        label=_("Field"),
        max_length=60,
        help_text=_("The subject or occupational field, e.g. 信息技术 or 养老服务."),
    )
    level = LevelChoiceField(
        label=_("Qualification framework level"),
        queryset=QualificationLevel.objects.active(),
        empty_label=None,
    )
    credit_value = CreditValueField(
        label=_("Credit value"),
        help_text=_("1 credit = 10 notional learning hours; at most two decimal places."),
    )
    outcomes = PlainTextField(
        label=_("Learning outcomes and assessment"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What a person who meets this standard can do, and how it is assessed."),
    )

    def __init__(self, *args, issuers=None, code_fixed=False, **kwargs):
        super().__init__(*args, **kwargs)
        if issuers is None:
            del self.fields["issuer"]
        else:
            self.fields["issuer"].choices = issuers
        if code_fixed:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code stays the same in every version.")

    def clean_issuer(self):
        value = self.cleaned_data["issuer"]
        if value == CENTRE:
            return None
        return Institution.objects.get(pk=value)


def issuer_choices(institutions, *, centre: bool) -> list[tuple[str, str]]:
    choices = [(CENTRE, _("The centre"))] if centre else []
    return choices + [(str(i.pk), i.name) for i in institutions]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("approve", _("Approve and publish")),
            ("reject", _("Return to the issuer as a draft")),
        ],
        widget=forms.RadioSelect,
    )
    reason = OneLineTextField(
        label=_("Reason"),
        max_length=300,
        required=False,
        help_text=_("Needed when returning it; the issuer sees it."),
    )


class ReasonForm(forms.Form):
    reason = OneLineTextField(label=_("Reason"), max_length=300)


class ConfirmForm(forms.Form):
    """A button with no fields; a refusal from the service lands here as a form error."""


class QualificationLevelForm(forms.Form):
    name_zh = OneLineTextField(label=_("Chinese name"), max_length=60)
    name_en = OneLineTextField(label=_("English name"), max_length=60)
    descriptor_zh = PlainTextField(label=_("Chinese descriptor"), max_length=2000)
    descriptor_en = PlainTextField(label=_("English descriptor"), max_length=2000)
    is_active = forms.BooleanField(
        label=_("In use (offered for new unit standards)"), required=False
    )


class AchievementCategoryForm(forms.Form):
    name_zh = OneLineTextField(label=_("Chinese name"), max_length=60)
    name_en = OneLineTextField(label=_("English name"), max_length=60)
    evidence_zh = PlainTextField(label=_("Evidence required (Chinese)"), max_length=2000)
    evidence_en = PlainTextField(label=_("Evidence required (English)"), max_length=2000)
    validity_years = forms.IntegerField(
        label=_("Valid for (years)"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("Leave empty if a recognition of this kind never expires."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False)


class StandardSearchForm(forms.Form):
    """The public search: code or name, level, field, issuer. The choices offer only what
    approved standards use, so a filter never leads to an empty page by construction."""

    q = SearchField(label=_("Code or name"))
    level = LevelChoiceField(
        label=_("Level"),
        queryset=QualificationLevel.objects.active(),
        required=False,
        empty_label=_("All levels"),
    )
    field = forms.ChoiceField(label=_("Field"), required=False)
    issuer = forms.ChoiceField(label=_("Issued by"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        published = UnitStandard.objects.filter(status=UnitStandard.Status.APPROVED)
        fields = published.order_by("field").values_list("field", flat=True).distinct()
        self.fields["field"].choices = [("", _("All fields")), *((f, f) for f in fields)]
        issuers = Institution.objects.filter(
            pk__in=published.filter(issuing_institution__isnull=False).values(
                "issuing_institution_id"
            )
        ).order_by("name")
        self.fields["issuer"].choices = [
            ("", _("All issuers")),
            (CENTRE, _("The centre")),
            *((str(i.pk), i.name) for i in issuers),
        ]

    def filter(self, standards):
        data = self.cleaned_data
        if query := data["q"]:
            standards = standards.filter(Q(code__icontains=query) | Q(name__icontains=query))
        if data["level"]:
            standards = standards.filter(level=data["level"])
        if data["field"]:
            standards = standards.filter(field=data["field"])
        if data["issuer"] == CENTRE:
            standards = standards.filter(issuing_institution__isnull=True)
        elif data["issuer"]:
            standards = standards.filter(issuing_institution_id=data["issuer"])
        return standards


class ManageFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All statuses")), *UnitStandard.Status.choices],
        required=False,
    )
    q = SearchField(label=_("Code or name"))

    def filter(self, standards):
        if self.cleaned_data["status"]:
            standards = standards.filter(status=self.cleaned_data["status"])
        if query := self.cleaned_data["q"]:
            standards = standards.filter(Q(code__icontains=query) | Q(name__icontains=query))
        return standards


# --- Deposits (存储) ------------------------------------------------------------------------


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


class DecimalInput(forms.DecimalField):
    """A number: full-width digits and the ideographic full stop made ASCII first."""

    def to_python(self, value):
        if isinstance(value, str):
            value = unicodedata.normalize("NFKC", value).replace("。", ".").strip()
        return super().to_python(value)


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
    original_credits = DecimalInput(
        label=_("Original credits"),
        required=False,
        min_value=0,
        max_digits=6,
        decimal_places=2,
        help_text=_("The credits the issuer awarded, if any."),
    )
    certificate_number = OneLineTextField(
        label=_("Certificate number"), max_length=64, required=False
    )

    RESULT_FIELDS = {"score": "score", "grade": "grade", "pass": "pass_result"}

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

    def facts(self) -> dict:
        """The cleaned data as the services take it."""
        data = self.cleaned_data
        keys = (
            "category",
            "title",
            "issuer_institution",
            "issuer_name",
            "obtained_on",
            "result_kind",
            "result_value",
            "hours",
            "original_credits",
            "certificate_number",
        )
        return {key: data.get(key) for key in keys}

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
