"""Forms of a rule version's review steps: they validate and normalise; the services decide."""

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from accounts.roles import EXPERT
from creditbank.fields import OneLineTextField, PlainTextField

from ..models import RuleOpinion


class ConfirmForm(forms.Form):
    """A button with no fields (submit, withdraw, publish); a refusal lands here as an error."""


class PanelForm(forms.Form):
    """The experts to put on a version's panel: every expert but its authors, the target
    institution's staff and those on the panel already (the service checks the same)."""

    experts = forms.ModelMultipleChoiceField(
        label=_("Experts"),
        queryset=get_user_model().objects.none(),
        to_field_name="username",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Experts who did not write the rule and do not work for its institution."),
    )

    def __init__(self, *args, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        experts = get_user_model().objects.filter(role_grants__role=EXPERT).order_by("username")
        if version is not None:
            from ..access import panel_of

            experts = (
                experts.exclude(pk=version.created_by_id)
                .exclude(pk__in=version.authors.values("pk"))
                .exclude(institution_roles__institution_id=version.rule.institution_id)
                .exclude(pk__in=panel_of(version).values("pk"))
            )
        field = self.fields["experts"]
        field.queryset = experts
        field.label_from_instance = lambda user: user.get_username()


class OpinionForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Your opinion"), choices=RuleOpinion.Verdict.choices, widget=forms.RadioSelect
    )
    comment = PlainTextField(
        label=_("Comments"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Needed when you disagree; the centre and the institution read it."),
    )


class ReasonForm(forms.Form):
    """Returning or retiring a version: the reason its writers will read."""

    reason = OneLineTextField(label=_("Reason"), max_length=300)


class ApproveForm(forms.Form):
    note = PlainTextField(
        label=_("Note"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when an expert disagreed: why the rule is approved all the same."),
    )
