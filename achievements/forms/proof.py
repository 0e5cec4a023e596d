"""Forms of the learner's proof pages (证明): requesting a transcript or a proof, extending,
withdrawing and sharing a document, and consent codes for a learning credit inquiry. They
validate and normalise; the services (``achievements.services.proof``) decide."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField

from ..models import Achievement, InquiryConsent, ProofDocument
from ..proof.content import recognised_achievements
from ..services.proof import CONSENT_HOURS, SHARE_DAYS_MAX

# The validity a learner picks from (the service takes any whole number from 30 to 180).
VALID_DAYS_CHOICES = [
    (30, _("30 days")),
    (60, _("60 days")),
    (90, _("90 days")),
    (180, _("180 days (six months)")),
]
HOURS_LABELS = {1: _("1 hour"), 24: _("24 hours"), 72: _("72 hours (three days)")}
HOURS_CHOICES = [(hours, HOURS_LABELS[hours]) for hours in CONSENT_HOURS]


class AchievementChoiceField(forms.ModelMultipleChoiceField):
    """The learner's recognised achievements as checkboxes, each with its level and credits."""

    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        recognition = obj.recognition
        level = recognition.level
        return _("%(title)s · %(level)s · %(credits)s credits") % {
            "title": obj.title,
            "level": level.name if level is not None else _("no level"),
            "credits": recognition.credits,
        }


class DocumentRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document type"),
        choices=ProofDocument.Kind.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "A transcript lists every recognised achievement, conversion and exemption; a "
            "proof lists only the achievements you choose below."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=ProofDocument.Language.choices,
        initial=ProofDocument.Language.ZH_HANS,
        widget=forms.RadioSelect,
    )
    valid_days = forms.TypedChoiceField(
        label=_("Verifiable for"),
        choices=VALID_DAYS_CHOICES,
        coerce=int,
        initial=90,
        help_text=_(
            "How long its verification code and QR code work, from the day it is issued. "
            "You can extend it once."
        ),
    )
    achievements = AchievementChoiceField(
        label=_("Achievements on the proof"),
        queryset=None,
        required=False,
        help_text=_("For a proof only: choose at least one."),
    )

    def __init__(self, *args, account=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["achievements"].queryset = (
            recognised_achievements(account) if account is not None else Achievement.objects.none()
        )

    def request_kwargs(self) -> dict:
        """The service's keywords (``document_request``) from the cleaned data."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "language": data["language"],
            "valid_days": data["valid_days"],
            "achievement_ids": [item.pk for item in data["achievements"]],
        }


class ExtendForm(forms.Form):
    days = forms.TypedChoiceField(
        label=_("Extend by"),
        choices=VALID_DAYS_CHOICES,
        coerce=int,
        initial=90,
        help_text=_("Counted from the current expiry date. A document can be extended once."),
    )


class WithdrawForm(forms.Form):
    reason = OneLineTextField(
        label=_("Reason (optional)"),
        max_length=300,
        required=False,
        help_text=_("Only you and the centre see it."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that its code, share links and credential stop verifying."),
        label_suffix="",
    )


class ShareForm(forms.Form):
    label = OneLineTextField(
        label=_("Shared with (optional)"),
        max_length=60,
        required=False,
        help_text=_("For your own list, e.g. the employer's name; the viewer does not see it."),
    )
    pin = forms.CharField(
        label=_("Access PIN (optional)"),
        max_length=8,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=_("4 to 8 digits the viewer must type; give it to them separately."),
    )
    valid_days = forms.IntegerField(
        label=_("Link works for (days)"),
        min_value=1,
        max_value=SHARE_DAYS_MAX,
        initial=14,
        help_text=_("1 to 90 days, and never beyond the document's own expiry."),
    )

    def clean_pin(self):
        """Full-width digits typed on a phone's Chinese keyboard become ASCII ones."""
        return unicodedata.normalize("NFKC", self.cleaned_data["pin"]).strip()


class ConsentForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("What may be seen"),
        choices=InquiryConsent.Scope.choices,
        initial=InquiryConsent.Scope.TOTALS,
        widget=forms.RadioSelect,
    )
    label = OneLineTextField(
        label=_("For whom (optional)"),
        max_length=60,
        required=False,
        help_text=_("For your own list, e.g. the employer's name."),
    )
    hours = forms.TypedChoiceField(
        label=_("The code works for"),
        choices=HOURS_CHOICES,
        coerce=int,
        initial=24,
        help_text=_("It can be used once; you can cancel it before it is used."),
    )
