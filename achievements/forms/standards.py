"""Forms of the standards pages: they validate and normalise; the services decide."""

from django import forms
from django.db.models import Q
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from creditbank.fields import OneLineTextField, PlainTextField, SearchField

from ..credits import credit_hint_lazy
from ..models import QualificationLevel, UnitStandard
from .fields import CreditValueField, LevelChoiceField, StandardCodeField

CENTRE = "centre"


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
        help_text=format_lazy("{} {}", credit_hint_lazy(), _("At most two decimal places.")),
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
