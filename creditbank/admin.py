from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin page that lists and shows rows but never writes them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
