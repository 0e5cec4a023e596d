"""The Django admin shows the system administrator these tables read-only.

Every change to people, roles and institutions goes through a service that writes an audit
event; the admin's own save path would bypass it, so it only reads.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.auth.models import Group

from creditbank.admin import ReadOnlyAdmin

from .models import Institution, InstitutionStaff, RoleGrant, User

# Their admin pages would write without an audit event (and show MFA secrets).
for model in (Group, EmailAddress, Authenticator):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ("username", "email", "is_active", "is_staff", "date_joined", "last_login")
    search_fields = ("username", "email")
    exclude = ("password",)


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyAdmin):
    list_display = ("user", "role", "granted_by", "granted_at")
    list_filter = ("role",)


@admin.register(Institution)
class InstitutionAdmin(ReadOnlyAdmin):
    list_display = ("name", "kind", "status", "credit_code")
    list_filter = ("kind", "status")
    search_fields = ("name", "credit_code")


@admin.register(InstitutionStaff)
class InstitutionStaffAdmin(ReadOnlyAdmin):
    list_display = ("user", "institution", "role")
