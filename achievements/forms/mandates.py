"""Forms of the centre's direct recognition mandates (直接认定授权): grant one, end one."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Institution
from branches.models import AllianceMembership
from creditbank.fields import OneLineTextField

from ..models import AchievementCategory, QualificationLevel, RecognitionMandate
from .fields import LevelChoiceField


class MemberChoiceField(forms.ModelChoiceField):
    """The institutions that joined the alliance; one not in good standing shows why, and the
    service, not the form, refuses it with a clear reason."""

    def label_from_instance(self, obj):
        if obj.status != Institution.Status.APPROVED:
            return f"{obj.name} ({obj.get_status_display()})"
        if obj.membership.status != AllianceMembership.Status.ACTIVE:
            return f"{obj.name} ({obj.membership.get_status_display()})"
        return obj.name


class MandateGrantForm(forms.Form):
    institution = MemberChoiceField(
        label=_("Member institution"),
        queryset=Institution.objects.filter(membership__isnull=False)
        .select_related("membership")
        .order_by("name"),
        empty_label=_("Choose a member institution"),
    )
    category = forms.ModelChoiceField(
        label=_("Achievement category"),
        queryset=AchievementCategory.objects.active(),
        empty_label=_("Choose a category"),
        help_text=_("The institution's batches of this category are recognised directly."),
    )
    level = LevelChoiceField(
        label=_("Qualification framework level"),
        queryset=QualificationLevel.objects.active(),
        empty_label=_("Choose a level"),
    )
    field = OneLineTextField(
        label=_("Field"),
        max_length=RecognitionMandate._meta.get_field("field").max_length,
        help_text=_("The field the recognitions are recorded in, for example 信息技术."),
    )


class MandateEndForm(forms.Form):
    reason = OneLineTextField(
        label=_("Reason (optional)"),
        max_length=300,
        required=False,
        help_text=_("Kept in the audit log."),
    )
