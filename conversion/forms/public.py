"""The public forms of conversion: the lookup's pickers and the course catalogue's filters.

All are GET forms whose values make a shareable URL; a value that names nothing gets a message
beside its field and the rest of the page still answers (never a 500).
"""

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from creditbank.fields import SearchField

from .. import selectors
from ..models import Course, EducationLevel


class LookupForm(forms.Form):
    """ "I hold …": a kind and text to find it by; once one option is chosen, the URL names it
    by ``item`` (a pk, or a code), read from the data as it is not typed."""

    kind = forms.ChoiceField(
        label=_("What do you hold?"),
        choices=list(selectors.HOLDING_KINDS.items()),
        initial="certificate",
        required=False,
    )
    q = SearchField(
        label=_("Name or code"),
        help_text=_("Type part of the name or code, then choose from the list."),
    )

    def clean_kind(self):
        return self.cleaned_data["kind"] or "certificate"

    def clean(self):
        """``holding``: what the visitor chose (or the only match of the text), else None;
        ``options``: what matches the text, to choose from."""
        data = super().clean()
        data["holding"], data["options"] = None, []
        kind = data.get("kind")
        if kind is None:
            return data
        item = (self.data.get("item") or "").strip()
        if item:
            data["holding"] = selectors.holding_find(kind, item)
            if data["holding"] is None:
                self.add_error(
                    "q", _("Nothing of this kind matches your choice; search and choose again.")
                )
            return data
        text = data.get("q")
        if text:
            data["options"] = selectors.holding_options(kind, text)
            if len(data["options"]) == 1:
                data["holding"] = data["options"][0]
            elif not data["options"]:
                self.add_error(
                    "q", _("Nothing of this kind matches; try part of the name or code.")
                )
        return data


class ReverseForm(forms.Form):
    """The reverse lookup: a target course or programme, by name or code."""

    to = SearchField(
        label=_("Course or programme"),
        help_text=_("Type part of its name or code, or of the institution's name."),
    )


class CatalogueForm(forms.Form):
    """The catalogue's search and filters; the choices offer only what public courses use."""

    q = SearchField(label=_("Course name or code"))
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=selectors.catalogue_institutions(),
        required=False,
        empty_label=_("All institutions"),
    )
    field = forms.ChoiceField(label=_("Field"), required=False)
    level = forms.ChoiceField(
        label=_("Level"),
        choices=[("", _("All levels")), *EducationLevel.choices],
        required=False,
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=[("", _("All modes")), *Course.Mode.choices],
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = selectors.catalogue_fields()
        self.fields["field"].choices = [("", _("All fields")), *((f, f) for f in fields)]

    def filter(self, courses):
        """``courses`` narrowed by every value that is valid (an invalid one is told beside its
        field and left out)."""
        data = getattr(self, "cleaned_data", {})
        if query := data.get("q"):
            courses = courses.filter(Q(name__icontains=query) | Q(code__icontains=query))
        if data.get("institution"):
            courses = courses.filter(institution=data["institution"])
        for name in ("field", "level", "mode"):
            if data.get(name):
                courses = courses.filter(**{name: data[name]})
        return courses
