"""The token form: it validates and normalises; the service decides."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField

from .models import ApiToken


class ApiTokenForm(forms.Form):
    name = OneLineTextField(
        label=_("Name"),
        max_length=60,
        help_text=_("What the token is for, e.g. the system that uses it."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        choices=ApiToken.Scope.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose what the token may do.")},
    )
