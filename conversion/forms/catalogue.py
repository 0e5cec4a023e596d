"""Forms of the programme and course management pages: they validate and normalise what was
typed; the services (``conversion.services.catalogue``) decide."""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from achievements.forms.fields import CreditValueField
from creditbank.fields import OneLineTextField, PlainTextField, SearchField

from ..models import Course, EducationLevel, Programme
from ..services.catalogue import CERTIFICATES_MAX, HOURS_MAX, HOURS_MIN, SHARE_MAX
from ..services.course_import import MAX_BYTES

LEVEL = pgettext_lazy("education level", "Level")  # 层次 (专科, 本科 …), not a framework level
# The service's words (conversion.services.catalogue.check_conversion_share), beside the field.
SHARE_REFUSED = _(
    "Give a whole number of per cent from 0 to 50: conversion may supply at most 50%."
)


class _InstitutionChoice(forms.Form):
    """A form whose first field chooses one of ``institutions`` (on creation only; dropped when
    ``institutions`` is None)."""

    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int)

    def __init__(self, *args, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.institutions = {i.pk: i for i in institutions or ()}
        if institutions is None:
            del self.fields["institution"]
        else:
            self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]

    def clean_institution(self):
        return self.institutions[self.cleaned_data["institution"]]


class ProgrammeForm(_InstitutionChoice):
    code = OneLineTextField(
        label=_("Programme code"),
        max_length=40,
        help_text=_("Unique within your institution, e.g. JSJ01."),
    )
    name = OneLineTextField(label=_("Name"), max_length=120)
    level = forms.ChoiceField(label=LEVEL, choices=EducationLevel.choices)
    field = OneLineTextField(
        label=_("Field"), max_length=60, help_text=_("The subject field, e.g. 信息技术.")
    )
    graduation_credits = CreditValueField(label=_("Credits to graduate"))
    conversion_share = forms.IntegerField(
        label=_("Largest share from conversion (%)"),
        initial=SHARE_MAX,
        widget=forms.NumberInput(attrs={"min": 0, "max": SHARE_MAX}),
        help_text=_(
            "The largest part of the credits to graduate that conversion may supply: at most "
            "50%; your institution may set less."
        ),
    )
    per_year_credits = CreditValueField(
        label=_("Most credits converted per calendar year"),
        required=False,
        help_text=_(
            "Optional: the most credits one learner may convert at your institution in a "
            "calendar year. Empty: your institution's general cap, if any."
        ),
    )
    per_source_credits = CreditValueField(
        label=_("Most credits from one source institution"),
        required=False,
        help_text=_(
            "Optional: the most credits one learner may convert from achievements issued by "
            "one institution. Empty: your institution's general cap, if any."
        ),
    )
    certificates_max = forms.IntegerField(
        label=_("Most certificates counted"),
        required=False,
        min_value=0,
        max_value=CERTIFICATES_MAX,
        help_text=_(
            "Optional: the most certificates one learner's conversions may count. Empty: your "
            "institution's general cap, if any."
        ),
    )
    description = PlainTextField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_active = forms.BooleanField(
        label=_("Open for conversion"),
        required=False,
        initial=True,
        help_text=_("Untick to close the programme: its rules and courses stay on record."),
    )

    def clean_conversion_share(self):
        share = self.cleaned_data["conversion_share"]
        if not 0 <= share <= SHARE_MAX:
            raise forms.ValidationError(SHARE_REFUSED, code="conversion_share")
        return share


class CapsForm(forms.Form):
    """An institution's general conversion caps (each programme may set its own instead)."""

    per_year_credits = CreditValueField(
        label=_("Most credits converted per calendar year"),
        required=False,
        help_text=_("The most credits one learner may convert at your institution in a year."),
    )
    per_source_credits = CreditValueField(
        label=_("Most credits from one source institution"),
        required=False,
        help_text=_(
            "The most credits one learner may convert from achievements issued by one institution."
        ),
    )
    certificates_max = forms.IntegerField(
        label=_("Most certificates counted"),
        required=False,
        min_value=0,
        max_value=CERTIFICATES_MAX,
        help_text=_("The most certificates one learner's conversions may count."),
    )


class CourseForm(_InstitutionChoice):
    code = OneLineTextField(
        label=_("Course code"),
        max_length=40,
        help_text=_("Unique within your institution, e.g. CS101."),
    )
    name = OneLineTextField(label=_("Name"), max_length=120)
    credits = CreditValueField(label=_("Credits"))
    hours = forms.IntegerField(label=_("Hours"), min_value=HOURS_MIN, max_value=HOURS_MAX)
    level = forms.ChoiceField(label=LEVEL, choices=EducationLevel.choices)
    field = OneLineTextField(
        label=_("Field"), max_length=60, help_text=_("The subject field, e.g. 信息技术.")
    )
    kind = forms.ChoiceField(
        label=_("Required or elective"), choices=Course.Kind.choices, widget=forms.RadioSelect
    )
    mode = forms.ChoiceField(label=_("Mode"), choices=Course.Mode.choices, widget=forms.RadioSelect)
    programmes = forms.ModelMultipleChoiceField(
        label=_("Programmes"),
        queryset=Programme.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The programmes of your institution this course belongs to."),
    )
    is_public = forms.BooleanField(
        label=_("Open to the public (listed in the course catalogue)"),
        required=False,
        initial=True,
    )
    description = PlainTextField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    is_active = forms.BooleanField(
        label=_("Offered"),
        required=False,
        initial=True,
        help_text=_("Untick to withdraw the course: it leaves the catalogue but stays on record."),
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["programmes"]
        field.queryset = programmes if programmes is not None else Programme.objects.none()
        several = len({p.institution_id for p in field.queryset}) > 1
        field.label_from_instance = (
            (lambda p: f"{p.institution.name}：{p.code} {p.name}")
            if several
            else (lambda p: f"{p.code} {p.name}")
        )


class ManageFilterForm(forms.Form):
    """The filters of the programme and course lists: institution (for people at several),
    code or name, and (courses) programme."""

    institution = forms.TypedChoiceField(
        label=_("Institution"), coerce=int, required=False, empty_value=None
    )
    q = SearchField(label=_("Code or name"))
    programme = forms.TypedChoiceField(
        label=_("Programme"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, institutions=(), programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        institutions = list(institutions)
        if len(institutions) > 1:
            self.fields["institution"].choices = [
                ("", _("All institutions")),
                *((i.pk, i.name) for i in institutions),
            ]
        else:
            del self.fields["institution"]
        if programmes is None:
            del self.fields["programme"]
        else:
            self.fields["programme"].choices = [
                ("", _("All programmes")),
                *((p.pk, f"{p.code} {p.name}") for p in programmes),
            ]

    def filter(self, items):
        data = self.cleaned_data
        if data.get("institution"):
            items = items.filter(institution_id=data["institution"])
        if query := data.get("q"):
            items = items.filter(Q(code__icontains=query) | Q(name__icontains=query))
        if data.get("programme"):
            items = items.filter(programmes=data["programme"])
        return items


class CourseImportForm(_InstitutionChoice):
    file = forms.FileField(
        label=_("Course list (XLSX or CSV)"),
        help_text=_("Use the template; at most 5,000 courses and 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than 5 MB. Split it into several files."), code="too_large"
            )
        return upload
