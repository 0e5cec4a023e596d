from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditbank.fields import SearchField

from ..models import District, ServicePoint
from .announcements import AnnouncementFilterForm, AnnouncementForm, ConfirmForm
from .help_pages import HelpPageForm
from .memberships import MemberDirectoryFilterForm, MembershipEditForm, MembershipForm, ReasonForm
from .network import (
    BranchForm,
    ServicePointFilterForm,
    ServicePointForm,
    StaffAssignmentForm,
    StaffFilterForm,
)

__all__ = [
    "AnnouncementFilterForm",
    "AnnouncementForm",
    "BranchForm",
    "ConfirmForm",
    "HelpPageForm",
    "MemberDirectoryFilterForm",
    "MembershipEditForm",
    "MembershipForm",
    "ReasonForm",
    "ServicePointFilterForm",
    "ServicePointForm",
    "ServicePointSearchForm",
    "StaffAssignmentForm",
    "StaffFilterForm",
]


class ServicePointSearchForm(forms.Form):
    """The public finder: districts that have an open service point, and a free-text search."""

    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.filter(
            code__in=ServicePoint.objects.filter(is_open=True).values("district_id")
        ),
        required=False,
        empty_label=_("All districts"),
    )
    q = SearchField(label=_("Name, address or host institution"))

    def filter(self, points):
        if self.cleaned_data["district"]:
            points = points.filter(district=self.cleaned_data["district"])
        if query := self.cleaned_data["q"]:
            points = points.filter(
                Q(name__icontains=query)
                | Q(address__icontains=query)
                | Q(host_institution__name__icontains=query)
            )
        return points
