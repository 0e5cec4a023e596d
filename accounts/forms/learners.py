"""Forms about learning accounts: they validate and normalise what a person typed, nothing more."""

import re
import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from creditbank.fields import OneLineTextField
from creditbank.files import EXTENSIONS, detect_document_kind

from ..identity import IdType, clean_id_number, clean_real_name
from ..models import LearnerAccount
from ..services import Identity

MAX_ID_IMAGE = 5 * 1024 * 1024


def clean_mobile(raw: str) -> str:
    number = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw or ""))
    number = number.removeprefix("+86")
    if not re.fullmatch(r"1[3-9]\d{9}", number):
        raise ValidationError(_("Enter an 11-digit mainland mobile number, e.g. 13800138000."))
    return number


def clean_id_image(upload):
    """An ID image checked by its size and content (JPEG, PNG or PDF) and renamed, or ``None``."""
    if not upload:
        return None
    if upload.size > MAX_ID_IMAGE:
        raise ValidationError(_("The file is larger than 5 MB."))
    head = upload.read(8)
    upload.seek(0)
    kind = detect_document_kind(head)
    if kind is None:
        raise ValidationError(_("Only JPEG, PNG or PDF files are accepted."))
    extension = EXTENSIONS[kind]
    upload.name = f"id.{extension}"  # never keep the sender's file name
    return upload


class IdentityForm(forms.Form):
    """The real-name part shared by opening an account online and at a service point."""

    real_name = forms.CharField(
        label=_("Real name"),
        max_length=200,
        help_text=_("As on the ID, e.g. 张三 or 买买提·艾力."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_type = forms.ChoiceField(label=_("ID type"), choices=IdType.choices)
    id_number = forms.CharField(
        label=_("ID number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    education = forms.ChoiceField(
        label=_("Highest education"), choices=LearnerAccount.Education.choices
    )
    work_unit = OneLineTextField(label=_("Work unit (optional)"), max_length=100, required=False)

    def clean_real_name(self):
        return clean_real_name(self.cleaned_data["real_name"])

    def clean_mobile(self):
        return clean_mobile(self.cleaned_data["mobile"])

    def clean(self):
        cleaned = super().clean()
        if "id_type" in cleaned and "id_number" in cleaned:
            try:
                cleaned["id_number"], cleaned["birth_date"] = clean_id_number(
                    cleaned["id_type"], cleaned["id_number"]
                )
            except ValidationError as exc:
                self.add_error("id_number", exc)
        return cleaned

    def identity(self) -> Identity:
        data = self.cleaned_data
        return Identity(
            real_name=data["real_name"],
            id_type=data["id_type"],
            id_number=data["id_number"],
            birth_date=data.get("birth_date"),
            mobile=data["mobile"],
            education=data["education"],
            work_unit=data["work_unit"],
        )


class OpenOnlineForm(IdentityForm):
    branch = forms.ModelChoiceField(
        label=_("Branch centre for verification"),
        queryset=None,
        help_text=_("Where you will show your ID if the image is not enough."),
    )
    id_image = forms.FileField(
        label=_("Photo or scan of your ID (optional)"),
        required=False,
        help_text=_("JPEG, PNG or PDF, at most 5 MB. Staff use it to verify you remotely."),
    )
    field_order = ["real_name", "id_type", "id_number", "mobile", "education", "work_unit"]

    def __init__(self, *args, branches, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches

    def clean_id_image(self):
        return clean_id_image(self.cleaned_data.get("id_image"))


class OpenInPersonForm(IdentityForm):
    email = forms.EmailField(
        label=_("E-mail address"),
        max_length=254,
        help_text=_("The person receives a link here to choose a password."),
    )
    service_point = forms.ModelChoiceField(label=_("Service point"), queryset=None)
    seen_id = forms.BooleanField(
        label=_("I have seen the original ID document and it matches the person."),
    )

    def __init__(self, *args, service_points, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service_point"].queryset = service_points
        if len(service_points) == 1:
            self.fields["service_point"].initial = service_points.first().pk

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()


class ReasonForm(forms.Form):
    reason = OneLineTextField(
        label=_("Reason"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Give a reason.")},
    )


class VerifyForm(forms.Form):
    method = forms.ChoiceField(
        label=_("How was the identity checked?"),
        choices=[
            ("in_person", _("In person, with the original ID")),
            ("id_image", _("From the uploaded ID image")),
        ],
        widget=forms.RadioSelect,
    )
    note = OneLineTextField(label=_("Note (optional)"), max_length=200, required=False)


class IdImageForm(forms.Form):
    """A new photo of the ID, when verification asked for one."""

    id_image = forms.FileField(
        label=_("New photo or scan of your ID"),
        help_text=_("JPEG, PNG or PDF, at most 5 MB; the whole ID, sharp and readable."),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
    )

    def clean_id_image(self):
        return clean_id_image(self.cleaned_data.get("id_image"))


class MobileChangeForm(forms.Form):
    mobile = forms.CharField(label=_("New mobile number"), max_length=20)
    password = forms.CharField(
        label=_("Your password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_mobile(self):
        return clean_mobile(self.cleaned_data["mobile"])

    def clean_password(self):
        if not self.user.check_password(self.cleaned_data["password"]):
            raise ValidationError(_("The password is not correct."))
        return ""
