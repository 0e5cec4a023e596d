from django.contrib import admin

from creditbank.admin import ReadOnlyAdmin

from .models import BranchCentre, Centre, District, ServicePoint, StaffAssignment


@admin.register(District)
class DistrictAdmin(ReadOnlyAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "city")
    list_filter = ("city", "kind")


@admin.register(Centre)
class CentreAdmin(ReadOnlyAdmin):
    list_display = ("name", "phone")


@admin.register(BranchCentre)
class BranchCentreAdmin(ReadOnlyAdmin):
    list_display = ("name", "district", "phone")


@admin.register(ServicePoint)
class ServicePointAdmin(ReadOnlyAdmin):
    list_display = ("name", "branch", "district", "is_open")
    list_filter = ("is_open", "district")
    search_fields = ("name", "address")


@admin.register(StaffAssignment)
class StaffAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("user", "branch", "service_point", "role")
