from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditbank.audit_labels import action_choices, object_type_choices
from creditbank.fields import SearchField


class AuditFilterForm(forms.Form):
    """The audit log's filters: an action and an object type chosen from lists, who acted (a
    part of their username or name) and a date range."""

    action = forms.ChoiceField(label=_("Action"), required=False)
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    actor = SearchField(label=_("Who (username or name)"), max_length=150)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All actions")), *action_choices()]
        self.fields["object_type"].choices = [("", _("All objects")), *object_type_choices()]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return data

    def filter(self, events):
        data = self.cleaned_data
        if data["action"]:
            events = events.filter(action=data["action"])
        if data["object_type"]:
            events = events.filter(object_type=data["object_type"])
        if data["actor"]:
            words = data["actor"]
            events = events.filter(
                Q(actor_label__icontains=words)
                | Q(actor__first_name__icontains=words)
                | Q(actor__last_name__icontains=words)
            )
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
