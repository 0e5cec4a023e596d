"""Forms for the help pages for learners (办事指南)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField, PlainTextField

from ..services.help_pages import ORDER_MAX


class HelpPageForm(forms.Form):
    title = OneLineTextField(label=_("Title"), max_length=120)
    slug = forms.CharField(
        label=_("Address"),
        max_length=60,
        help_text=_(
            "The page is at /help/<address>/: lower-case letters, digits and hyphens, "
            "e.g. open-account."
        ),
    )
    summary = OneLineTextField(
        label=_("Summary"),
        max_length=200,
        required=False,
        help_text=_("One line shown in the list of help pages."),
    )
    body = PlainTextField(
        label=_("Text"),
        max_length=20000,
        help_text=_(
            "Plain text; an empty line starts a new paragraph. These are filled in from the "
            "settings when the page is shown: <code>{city}</code>, <code>{address}</code>, "
            "<code>{hotline}</code>, <code>{email}</code>, "
            "<code>{verification_working_days}</code>, <code>{review_working_days}</code>, "
            "<code>{appeal_days}</code>, <code>{review_threshold}</code>, "
            "<code>{max_file_mb}</code>, <code>{max_total_mb}</code>."
        ),
    )
    order = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=ORDER_MAX,
        initial=100,
        help_text=_("Pages are listed from the smallest number up."),
    )
