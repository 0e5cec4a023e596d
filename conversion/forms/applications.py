"""Forms of the steps on a conversion application (转换申请): they validate and normalise; the
services in ``conversion.services.applications`` decide. Each is used with the prefix of its
step (``withdraw-reason``, ``decide-decision``, ...), as the pages post them."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField, PlainTextField


class StepForm(forms.Form):
    """A button with no fields (accept, take, confirm); a refusal lands here as an error."""


class WithdrawForm(forms.Form):
    reason = OneLineTextField(
        label=_("Reason (optional)"),
        max_length=300,
        required=False,
        help_text=_("Why you withdraw the application; the institution reads it."),
    )


class AppealForm(forms.Form):
    reason = PlainTextField(
        label=_("Grounds of appeal"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Say which refused lines you contest and why; a reviewer who took no part decides."
        ),
    )


class DeclineForm(forms.Form):
    reason = OneLineTextField(
        label=_("Reason for not accepting"),
        max_length=300,
        help_text=_("The learner reads it: say what is wrong with the identity or the evidence."),
    )


class DecideForm(forms.Form):
    DECISIONS = [("approve", _("Approve")), ("refuse", _("Refuse"))]

    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS, widget=forms.RadioSelect)
    reason = PlainTextField(
        label=_("Reason"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you refuse; the learner reads it."),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not data.get("reason"):
            self.add_error("reason", _("Give the reason for refusing this line."))
        return data

    @property
    def approve(self) -> bool:
        return self.cleaned_data["decision"] == "approve"


class SendBackForm(forms.Form):
    note = OneLineTextField(
        label=_("Why it goes back"),
        max_length=300,
        help_text=_("The reviewer who decided reads it and decides again."),
    )
