from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def branch_roles(user) -> set[str]:
    from .models import StaffAssignment

    return {
        f"branch_{role}"
        for role in StaffAssignment.objects.filter(user=user).values_list("role", flat=True)
    }


class BranchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "branches"
    verbose_name = _("Service network")

    def ready(self) -> None:
        from accounts.roles import branch_role_providers

        if branch_roles not in branch_role_providers:
            branch_role_providers.append(branch_roles)
