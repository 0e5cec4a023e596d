"""Forms for the centre's announcements (信息公告) and policy documents (政策文件)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField, PlainTextField

from ..models import Announcement


class AnnouncementForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Announcement.Kind.choices)
    title = OneLineTextField(label=_("Title"), max_length=120)
    body = PlainTextField(
        label=_("Text"),
        max_length=20000,
        help_text=_("Plain text. An empty line starts a new paragraph; markup is shown as typed."),
    )


class AnnouncementFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[("", _("All")), *Announcement.Kind.choices],
        required=False,
    )

    def filter(self, announcements):
        if self.cleaned_data["kind"]:
            announcements = announcements.filter(kind=self.cleaned_data["kind"])
        return announcements


class ConfirmForm(forms.Form):
    """A button with no fields; a refusal from the service lands here as a form error."""
