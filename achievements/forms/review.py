"""Forms of recognition (认定): the learner's application, answer and appeal, and the staff's
steps. They validate and normalise; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField, PlainTextField

from ..credits import credit_hint_lazy
from ..models import QualificationLevel, UnitStandard
from .fields import CreditValueField, LevelChoiceField, StandardCodeField


class AnswerForm(forms.Form):
    answer = PlainTextField(
        label=_("Your answer"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Say what you changed or added; add evidence files above first if asked."),
    )


class AppealForm(forms.Form):
    statement = PlainTextField(
        label=_("Your statement"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Why the decision should be changed; an expert who took no part decides."),
    )


class ForwardForm(forms.Form):
    note = OneLineTextField(
        label=_("Note for the decision (optional)"), max_length=300, required=False
    )


class ReturnForm(forms.Form):
    message = PlainTextField(
        label=_("What is missing"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The learner reads this and answers."),
    )


class RecogniseForm(forms.Form):
    """A unit standard by its code — or the credits, level and field stated.

    The code is typed or, with script, picked from the approved standards whose code or name
    matches what was typed (``search_url``, an htmx endpoint filling the input's list); the
    level and the field are chosen from lists: the levels in use, and the fields the approved
    unit standards name."""

    unit_standard = StandardCodeField(
        label=_("Unit standard code"),
        max_length=32,
        required=False,
        help_text=_(
            "Type the code, or part of the code or name, and choose from the list. An approved "
            "unit standard gives the credits, level and field."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "recognise-standards"}),
    )
    credits = CreditValueField(
        label=_("Credits"),
        required=False,
        help_text=credit_hint_lazy(),
    )
    level = LevelChoiceField(
        label=_("Level"),
        queryset=QualificationLevel.objects.active(),
        required=False,
        empty_label=_("— choose —"),
    )
    field = forms.ChoiceField(label=_("Field"), required=False)
    note = PlainTextField(
        label=_("Reasons (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, search_url: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        fields = (
            UnitStandard.objects.filter(status=UnitStandard.Status.APPROVED)
            .order_by("field")
            .values_list("field", flat=True)
            .distinct()
        )
        self.fields["field"].choices = lambda: [("", _("— choose —")), *((f, f) for f in fields)]
        if search_url:
            self.fields["unit_standard"].widget.attrs.update(
                {
                    "hx-get": search_url,
                    "hx-trigger": "input changed delay:300ms",
                    "hx-target": "#recognise-standards",
                    "hx-swap": "innerHTML",
                }
            )

    def clean_unit_standard(self):
        code = self.cleaned_data["unit_standard"]
        if not code:
            return None
        standard = (
            UnitStandard.objects.select_related("level")
            .filter(code=code, status=UnitStandard.Status.APPROVED)
            .first()
        )
        if standard is None:
            raise forms.ValidationError(
                _("No approved unit standard has this code."), code="standard"
            )
        return standard

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        stated = {name: data.get(name) for name in ("credits", "level", "field")}
        if data.get("unit_standard") is None:
            for name in [name for name, value in stated.items() if not value]:
                self.add_error(
                    name,
                    forms.ValidationError(
                        _("Needed when no unit standard is matched."), code="required"
                    ),
                )
        elif any(stated.values()):
            self.add_error(
                "unit_standard",
                forms.ValidationError(
                    _("Match a unit standard or state the credits, level and field — not both."),
                    code="both",
                ),
            )
        return data


class ReasonForm(forms.Form):
    reason = PlainTextField(
        label=_("Reason"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The learner reads this."),
    )


class ShortReasonForm(forms.Form):
    reason = OneLineTextField(
        label=_("Reason"), max_length=300, help_text=_("The learner reads this.")
    )


class ConfirmDecisionForm(forms.Form):
    note = OneLineTextField(label=_("Note (optional)"), max_length=300, required=False)


# The form of each staff step (the review page shows those the person may take).
STEP_FORMS = {
    "forward": ForwardForm,
    "return": ReturnForm,
    "recognise": RecogniseForm,
    "reject": ReasonForm,
    "confirm": ConfirmDecisionForm,
    "send_back": ShortReasonForm,
    "revoke": ShortReasonForm,
}
