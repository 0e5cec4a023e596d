"""The what-if simulator's forms (模拟转换): an institution, then one of its programmes; for a
visitor, also what they hold; and the learner's "apply for these lines".

GET forms whose values make a shareable URL. A programme that is no longer offered, or that
is not of the chosen institution (the institution was just changed), is dropped rather than
refused: the page then asks for a programme again.
"""

import datetime
from html import escape

from django import forms
from django.db.models import Exists, OuterRef
from django.forms.utils import flatatt
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from creditbank.fields import SearchField

from .. import selectors
from ..models import Programme, RuleVersion

HOLD_MAX = 10  # things a visitor may say they hold at once


def simulated_programmes(day: datetime.date):
    """Public programmes with at least one published rule version in force on ``day``: the
    only ones a simulation can say anything about."""
    in_force = RuleVersion.objects.in_force_on(day).filter(programme=OuterRef("pk"))
    return selectors.public_programmes().filter(Exists(in_force))


def simulated_institutions():
    """Approved institutions with a public programme (one without rules in force is listed
    too, and its programme picker says kindly that there is nothing to simulate yet)."""
    # ``selectors.public_programmes`` without its join back to the (already approved) outer
    # institution: the same rows, a plain semi-join.
    programmes = Programme.objects.active().filter(institution=OuterRef("pk"))
    return Institution.objects.filter(
        Exists(programmes), status=Institution.Status.APPROVED
    ).order_by("name", "pk")


class NameChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices as (pk, name) read in one ``values_list`` query, no model instances: a
    thousand institutions cost a millisecond, not a hundred."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class QuickSelect(forms.Select):
    """A ``<select>`` rendered in Python (the same markup as Django's template): the template
    engine renders a thousand options in about a hundred milliseconds."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            '<option value="{}"{}>{}</option>'.format(
                escape(str(key)), " selected" if str(key) in chosen else "", escape(str(label))
            )
            for key, label in self.choices
        )
        attrs = flatatt(self.build_attrs(self.attrs, attrs))
        return mark_safe(f'<select name="{escape(name)}"{attrs}>{options}</select>')  # noqa: S308


class InstitutionChoiceField(forms.ModelChoiceField):
    iterator = NameChoiceIterator
    widget = QuickSelect


class OfferedChoiceIterator(forms.models.ModelChoiceIterator):
    """The programmes the form has read already (``field.offered``), not read again."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.offered:
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.offered) + (1 if self.field.empty_label is not None else 0)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.offered)


class ProgrammeChoiceField(forms.ModelChoiceField):
    """A programme among those the form offers (``offered``, read once by the form)."""

    iterator = OfferedChoiceIterator
    offered: list = []

    def label_from_instance(self, obj):
        return f"{obj.code} {obj.name}"

    def to_python(self, value):
        if value in self.empty_values:
            return None
        value = getattr(value, "pk", value)
        for programme in self.offered:
            if str(programme.pk) == str(value):
                return programme
        raise forms.ValidationError(
            self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value}
        )


class SimulateForm(forms.Form):
    """An institution, then a programme of it with rules in force on ``day``."""

    institution = InstitutionChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.none(),
        required=False,
        empty_label=_("Choose an institution"),
    )
    programme = ProgrammeChoiceField(
        label=_("Programme"),
        queryset=Programme.objects.none(),
        required=False,
        empty_label=_("Choose a programme"),
    )

    def __init__(self, *args, day: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day
        self.fields["institution"].queryset = simulated_institutions()
        programmes = simulated_programmes(day).select_related("institution")
        institution = self._raw_pk("institution")
        programme = self._raw_pk("programme")
        if institution is None and programme is not None and "institution" not in self.data:
            # A shared link may name the programme only: its institution is picked for it.
            # (An institution sent empty — "choose another institution" — drops the programme.)
            found = programmes.filter(pk=programme).values_list("institution_id", flat=True)
            institution = next(iter(found), None)
            if institution is not None and self.is_bound:
                self.data = self.data.copy()
                self.data["institution"] = str(institution)
        self.has_institution = institution is not None
        self.fields["programme"].queryset = (
            programmes.filter(institution_id=institution).order_by("code", "pk")
            if institution is not None
            else Programme.objects.none()
        )
        self.offered = list(self.fields["programme"].queryset)
        self.fields["programme"].offered = self.offered
        if (
            self.is_bound
            and programme is not None
            and programme not in {p.pk for p in self.offered}
        ):
            # A programme of another institution (the institution was just changed) is dropped.
            self.data = self.data.copy()
            self.data["programme"] = ""
        # Once a programme is chosen the institution picker offers that institution alone (and
        # "choose another", which brings the whole list back): a thousand institutions are not
        # sent again with every result, nor scrolled through on a phone.
        self.institution_fixed = (
            self.is_bound and programme is not None and programme in {p.pk for p in self.offered}
        )
        if self.institution_fixed:
            field = self.fields["institution"]
            field.queryset = Institution.objects.filter(pk=institution)
            field.empty_label = _("Choose another institution")

    def _raw_pk(self, name: str) -> int | None:
        value = (self.data.get(name) or "").strip() if self.is_bound else ""
        return int(value) if value.isdigit() and len(value) < 10 else None

    def programme_choices(self) -> list:
        """The programmes offered (for the template's kind message when there are none)."""
        return self.offered


class VisitorSimulateForm(SimulateForm):
    """The public simulator: what the visitor holds is carried in repeated ``hold`` values
    (``kind:value``, read by the view); ``kind`` and ``q`` find one more thing to add."""

    kind = forms.ChoiceField(
        label=_("What else do you hold?"),
        choices=list(selectors.HOLDING_KINDS.items()),
        initial="certificate",
        required=False,
    )
    q = SearchField(
        label=_("Name or code"),
        help_text=_("Type part of the name or code, then choose from the list to add it."),
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or "certificate"

    def clean(self):
        """``options``: what matches the text, to add."""
        data = super().clean()
        data["options"] = []
        if data.get("kind") and data.get("q"):
            data["options"] = selectors.holding_options(data["kind"], data["q"])
            if not data["options"]:
                self.add_error(
                    "q", _("Nothing of this kind matches; try part of the name or code.")
                )
        return data


def visitor_holdings(values: list[str]) -> tuple[list, list[str]]:
    """The ``hold`` values (``kind:value``) as ``selectors.Holding``s, without repeats, at most
    ``HOLD_MAX`` (one query each), and the values that name nothing (to tell the visitor)."""
    held, unknown, seen = [], [], set()
    for raw in values[: HOLD_MAX * 2]:
        kind, _sep, value = (raw or "").partition(":")
        if (kind, value) in seen:
            continue
        seen.add((kind, value))
        found = selectors.holding_find(kind, value) if kind in selectors.HOLDING_KINDS else None
        if found is None:
            unknown.append(raw)
        elif len(held) < HOLD_MAX:
            held.append(found)
    return held, unknown


class ApplyForm(forms.Form):
    """The learner's choice of lines to apply for: a programme and its courses."""

    programme = forms.ModelChoiceField(
        queryset=Programme.objects.none(),
        error_messages={"invalid_choice": _("This programme cannot be applied to.")},
    )
    course = forms.TypedMultipleChoiceField(
        coerce=int,
        required=False,
        error_messages={"invalid_choice": _("Choose courses from the list.")},
    )

    def __init__(self, *args, day: datetime.date, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = simulated_programmes(day)
        # Any course number is accepted here; the service checks each is an applicable line.
        values = self.data.getlist("course") if self.is_bound else []
        self.fields["course"].choices = [
            (v, v) for v in values if str(v).isdigit() and len(str(v)) < 10
        ]

    def clean_course(self):
        courses = self.cleaned_data["course"]
        if not courses:
            raise forms.ValidationError(_("Choose at least one course to apply for."))
        return sorted(set(courses))
