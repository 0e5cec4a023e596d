"""The clerk's upload of a result batch (批量认定): institution, category, mode and the file.

The form only chooses and carries; the service (``services.batch.batch_upload``) checks the
sender, reads the file's size and hash, and refuses an empty file or the same file twice — its
refusals land beside the field they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from ..models import AchievementCategory, ImportBatch

MODES = [
    (
        ImportBatch.Mode.VALID_ROWS,
        _(
            "Valid rows only: the valid rows are recorded; the refused rows are listed for you "
            "to correct and send again."
        ),
    ),
    (
        ImportBatch.Mode.ALL_OR_NOTHING,
        _("All or nothing: if any row is refused, nothing in the file is recorded."),
    ),
]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class BatchUploadForm(forms.Form):
    institution = forms.TypedChoiceField(label=_("Institution"), coerce=int)
    category = CategoryChoiceField(
        label=_("Achievement category"),
        queryset=AchievementCategory.objects.none(),
        empty_label=None,
        help_text=_("Every row of the file is a result of this category."),
    )
    mode = forms.ChoiceField(
        label=_("If a row is refused"),
        choices=MODES,
        initial=ImportBatch.Mode.VALID_ROWS,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("Result file (XLSX or CSV)"),
        help_text=_("Filled in from the template: one result per row, below the headings."),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.institutions = {i.pk: i for i in institutions}
        if len(self.institutions) > 1:
            self.fields["institution"].choices = [(i.pk, i.name) for i in institutions]
        else:
            del self.fields["institution"]
        self.fields["category"].queryset = AchievementCategory.objects.active()

    def clean_institution(self):
        return self.institutions[self.cleaned_data["institution"]]

    def chosen_institution(self):
        """The institution the batch is sent for: the one chosen, or the clerk's only one."""
        if "institution" in self.fields:
            return self.cleaned_data["institution"]
        return next(iter(self.institutions.values()))
