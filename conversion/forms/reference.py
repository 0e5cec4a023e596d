"""Forms of the reference lists (certificates, self-study subjects): validate and normalise."""

from django import forms
from django.utils.translation import gettext_lazy as _

from achievements.forms.fields import CreditValueField
from achievements.models import AchievementCategory
from creditbank.fields import OneLineTextField, SearchField


class CertificateForm(forms.Form):
    name = OneLineTextField(
        label=_("Certificate name"),
        max_length=120,
        help_text=_("As printed on the certificate, e.g. 全国计算机等级考试二级."),
    )
    grade = OneLineTextField(
        label=_("Grade"),
        max_length=20,
        required=False,
        help_text=_("E.g. 初级, 中级, 高级 for a 1+X certificate; empty if it has none."),
    )
    issuer = OneLineTextField(label=_("Issued by"), max_length=120)
    category = forms.ModelChoiceField(
        label=_("Achievement category"),
        queryset=AchievementCategory.objects.active(),
        empty_label=None,
        help_text=_("The kind of achievement a learner deposits this certificate as."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)


class SelfStudySubjectForm(forms.Form):
    code = OneLineTextField(
        label=_("Subject code"),
        max_length=8,
        help_text=_("The national five-digit code, e.g. 00015."),
    )
    name = OneLineTextField(label=_("Subject name"), max_length=120)
    credits = CreditValueField(label=_("Credits"))
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args, code_fixed=False, **kwargs):
        super().__init__(*args, **kwargs)
        if code_fixed:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("Rules cite the code, so it never changes.")


class ReferenceSearchForm(forms.Form):
    q = SearchField(label=_("Name or code"))
