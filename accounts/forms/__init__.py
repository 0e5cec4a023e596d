from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import SearchField


class AuditFilterForm(forms.Form):
    action = SearchField(label=_("Action"), max_length=64)
    actor = SearchField(label=_("Actor (username)"), max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, events):
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action__startswith=data["action"])
        if data["actor"]:
            events = events.filter(actor_label__iexact=data["actor"])
        if data["date_from"]:
            events = events.filter(created_at__date__gte=data["date_from"])
        if data["date_to"]:
            events = events.filter(created_at__date__lte=data["date_to"])
        return events


class LoginForm(AllauthLoginForm):
    """allauth's log-in form, with a label that says both identifiers are accepted."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        login = self.fields["login"]
        login.label = _("Username or e-mail address")
        login.widget.attrs.update({"autocomplete": "username", "placeholder": ""})
        self.fields["password"].widget.attrs["placeholder"] = ""
        self.fields.pop("remember", None)
