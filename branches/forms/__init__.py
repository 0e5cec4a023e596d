from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..models import District


class ServicePointSearchForm(forms.Form):
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=District.objects.filter(branches__isnull=False).distinct(),
        required=False,
        empty_label=_("All districts"),
    )
    q = forms.CharField(label=_("Name or address"), required=False, max_length=60)

    def filter(self, points):
        if self.cleaned_data["district"]:
            points = points.filter(district=self.cleaned_data["district"])
        if query := self.cleaned_data["q"].strip():
            points = points.filter(Q(name__icontains=query) | Q(address__icontains=query))
        return points
