"""The Django admin shows the system administrator the standards read-only.

Levels, categories and unit standards change only through the centre's pages, whose services
write an audit event; the admin's own save path would bypass it, so it only reads. A learner's
achievements, evidence, recognitions and ledger entries are personal records and are not in the
admin at all, as learning accounts are not (accounts/admin.py): they are seen through the
portal's pages, by the people the access helpers let see them.
"""

from django.contrib import admin

from creditbank.admin import ReadOnlyAdmin

from .models import AchievementCategory, QualificationLevel, UnitStandard


@admin.register(QualificationLevel)
class QualificationLevelAdmin(ReadOnlyAdmin):
    list_display = ("number", "code", "name_zh", "name_en", "is_active")
    ordering = ("number",)


@admin.register(AchievementCategory)
class AchievementCategoryAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "validity_years", "is_active")
    list_filter = ("is_active",)
    ordering = ("ordering", "code")


@admin.register(UnitStandard)
class UnitStandardAdmin(ReadOnlyAdmin):
    list_display = (
        "code",
        "version",
        "name",
        "level",
        "credit_value",
        "issuing_institution",
        "status",
    )
    list_filter = ("status", "level")
    search_fields = ("code", "name")
    list_select_related = ("level", "issuing_institution")
