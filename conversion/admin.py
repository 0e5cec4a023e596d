"""The Django admin shows the system administrator conversion's tables read-only.

Programmes, courses, certificates, subjects and rules change only through the portal's pages,
whose services write an audit event (and a rule version's review is a workflow the admin's save
path would skip), so the admin only reads.
"""

from django.contrib import admin

from creditbank.admin import ReadOnlyAdmin

from .models import (
    ApplicationLine,
    Certificate,
    ConversionApplication,
    ConversionEntry,
    ConversionPolicy,
    ConversionRule,
    Course,
    Programme,
    RuleVersion,
    SelfStudySubject,
)


@admin.register(Programme)
class ProgrammeAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "institution", "level", "graduation_credits", "is_active")
    list_filter = ("level", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("institution",)


@admin.register(Course)
class CourseAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "institution", "credits", "level", "mode", "is_public")
    list_filter = ("level", "mode", "kind", "is_public", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("institution",)


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = ("name", "grade", "issuer", "category", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    list_select_related = ("category",)


@admin.register(SelfStudySubject)
class SelfStudySubjectAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "credits", "is_active")
    search_fields = ("code", "name")


@admin.register(ConversionRule)
class ConversionRuleAdmin(ReadOnlyAdmin):
    list_display = ("number", "title", "institution", "created_at")
    search_fields = ("number", "title")
    list_select_related = ("institution",)


@admin.register(RuleVersion)
class RuleVersionAdmin(ReadOnlyAdmin):
    list_display = ("rule", "version", "status", "programme", "valid_from", "valid_until")
    list_filter = ("status",)
    search_fields = ("rule__number", "rule__title")
    list_select_related = ("rule", "programme")


@admin.register(ConversionPolicy)
class ConversionPolicyAdmin(ReadOnlyAdmin):
    list_display = ("institution", "per_year_credits", "per_source_credits", "certificates_max")
    list_select_related = ("institution",)


@admin.register(ConversionApplication)
class ConversionApplicationAdmin(ReadOnlyAdmin):
    list_display = ("number", "institution", "programme", "status", "submitted_at", "due_on")
    list_filter = ("status",)
    search_fields = ("number",)
    list_select_related = ("institution", "programme")


@admin.register(ApplicationLine)
class ApplicationLineAdmin(ReadOnlyAdmin):
    list_display = ("application", "course", "rule_version", "outcome", "credits", "status")
    list_filter = ("status", "outcome")
    search_fields = ("application__number",)
    list_select_related = ("application", "course", "rule_version__rule")


@admin.register(ConversionEntry)
class ConversionEntryAdmin(ReadOnlyAdmin):
    list_display = ("line", "institution", "course", "kind", "credits", "created_at")
    list_filter = ("kind",)
    list_select_related = ("line__application", "institution", "course")
