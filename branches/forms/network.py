"""Forms of the network's management pages: branch centres, service points, staff postings."""

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from creditbank.fields import OneLineTextField, PhoneField, SearchField

from ..models import BranchCentre, District, ServicePoint, StaffAssignment


class InstitutionChoiceField(forms.ModelChoiceField):
    """Every institution, its status shown unless approved: the service, not the form, says why
    an unapproved one cannot be chosen, so the person sees a clear reason."""

    def label_from_instance(self, obj):
        if obj.status == Institution.Status.APPROVED:
            return obj.name
        return f"{obj.name} ({obj.get_status_display()})"


class ServicePointChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.branch.name} · {obj.name}"


def district_field(**kwargs) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(label=_("District"), queryset=District.objects.all(), **kwargs)


class BranchForm(forms.Form):
    name = OneLineTextField(label=_("Name"), max_length=120)
    district = district_field()
    address = OneLineTextField(label=_("Address"), max_length=200, required=False)
    phone = PhoneField(label=_("Phone"), required=False)


class ServicePointForm(forms.Form):
    """A service point. ``with_branch=False`` (a branch manager editing a point of their own
    branch) leaves the branch out: only the centre moves a point to another branch."""

    branch = forms.ModelChoiceField(
        label=_("Branch centre"), queryset=BranchCentre.objects.select_related("district")
    )
    name = OneLineTextField(label=_("Name"), max_length=120)
    host_institution = InstitutionChoiceField(
        label=_("Host institution"),
        queryset=Institution.objects.all(),
        required=False,
        empty_label=_("None (run by the branch centre)"),
    )
    district = district_field()
    address = OneLineTextField(label=_("Address"), max_length=200)
    opening_hours = OneLineTextField(
        label=_("Opening hours"),
        max_length=120,
        required=False,
        help_text=_("For example: Monday to Friday 9:00–12:00, 14:00–17:30"),
    )
    phone = PhoneField(label=_("Phone"), required=False)
    is_open = forms.BooleanField(label=_("Open to the public"), required=False, initial=True)

    def __init__(self, *args, with_branch: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_branch:
            del self.fields["branch"]

    @staticmethod
    def initial_for(point: ServicePoint) -> dict:
        return {
            "branch": point.branch_id,
            "name": point.name,
            "host_institution": point.host_institution_id,
            "district": point.district_id,
            "address": point.address,
            "opening_hours": point.opening_hours,
            "phone": point.phone,
            "is_open": point.is_open,
        }


class StaffAssignmentForm(forms.Form):
    user = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("The person must already have an account on the portal."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    branch = forms.ModelChoiceField(
        label=_("Branch centre"), queryset=BranchCentre.objects.select_related("district")
    )
    service_point = ServicePointChoiceField(
        label=_("Service point"),
        queryset=ServicePoint.objects.select_related("branch"),
        required=False,
        empty_label=_("None (the branch centre itself)"),
        help_text=_("Optional; it must belong to the branch centre chosen above."),
    )
    role = forms.ChoiceField(label=_("Role"), choices=StaffAssignment.Role.choices)

    def clean_user(self):
        username = self.cleaned_data["user"].strip()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No one has this username."), code="unknown_user")
        return user


class ServicePointFilterForm(forms.Form):
    """The management list of service points: by branch, by district, by name or address."""

    branch = forms.ModelChoiceField(
        label=_("Branch centre"),
        queryset=BranchCentre.objects.all(),
        required=False,
        empty_label=_("All branch centres"),
    )
    q = SearchField(label=_("Name or address"))

    def filter(self, points):
        if self.cleaned_data["branch"]:
            points = points.filter(branch=self.cleaned_data["branch"])
        if query := self.cleaned_data["q"]:
            points = points.filter(Q(name__icontains=query) | Q(address__icontains=query))
        return points


class StaffFilterForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Branch centre"),
        queryset=BranchCentre.objects.all(),
        required=False,
        empty_label=_("All branch centres"),
    )
    q = SearchField(label=_("Username or name"))

    def filter(self, assignments):
        if self.cleaned_data["branch"]:
            assignments = assignments.filter(branch=self.cleaned_data["branch"])
        if query := self.cleaned_data["q"]:
            assignments = assignments.filter(
                Q(user__username__icontains=query)
                | Q(user__first_name__icontains=query)
                | Q(user__last_name__icontains=query)
            )
        return assignments
