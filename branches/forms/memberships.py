"""Forms for alliance membership (联盟成员单位) and the public member directory."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from creditbank.fields import OneLineTextField, SearchField

from ..models import BranchCentre, District
from .network import InstitutionChoiceField


class MembershipEditForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Branch centre"), queryset=BranchCentre.objects.select_related("district")
    )
    joined_on = forms.DateField(
        label=_("Joined on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    pilot_batch = OneLineTextField(
        label=_("Pilot batch"),
        max_length=60,
        required=False,
        help_text=_("For example: First batch of pilot units (2019). Leave empty if none."),
    )


class MembershipForm(MembershipEditForm):
    institution = InstitutionChoiceField(label=_("Institution"), queryset=Institution.objects.all())
    field_order = ["institution", "branch", "joined_on", "pilot_batch"]

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"joined_on": timezone.localdate()})
        super().__init__(*args, **kwargs)


class ReasonForm(forms.Form):
    reason = OneLineTextField(label=_("Reason"), max_length=300)


class MemberDirectoryFilterForm(forms.Form):
    """The public directory: by district or branch centre, by type, by name."""

    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.filter(branches__isnull=False).distinct(),
        required=False,
        empty_label=_("All districts"),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch centre"),
        queryset=BranchCentre.objects.all(),
        required=False,
        empty_label=_("All branch centres"),
    )
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("All types")), *Institution.Kind.choices],
        required=False,
    )
    q = SearchField(label=_("Name"))

    def filter(self, memberships):
        data = self.cleaned_data
        if data["district"]:
            memberships = memberships.filter(branch__district=data["district"])
        if data["branch"]:
            memberships = memberships.filter(branch=data["branch"])
        if data["kind"]:
            memberships = memberships.filter(institution__kind=data["kind"])
        if data["q"]:
            memberships = memberships.filter(institution__name__icontains=data["q"])
        return memberships
