from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def branch_roles(user):
    """The user's branch role names (``branch_manager``, ``branch_staff``), as a queryset of
    one text column that ``accounts.roles.roles_of`` reads with the other roles."""
    from django.db.models import CharField, Value
    from django.db.models.functions import Concat

    from accounts.roles import BRANCH_PREFIX

    from .models import StaffAssignment

    return (
        StaffAssignment.objects.filter(user=user)
        .annotate(name=Concat(Value(BRANCH_PREFIX), "role", output_field=CharField()))
        .values_list("name", flat=True)
        .order_by()
    )


class BranchesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "branches"
    verbose_name = _("Service network")

    def ready(self) -> None:
        from accounts.roles import branch_role_providers

        if branch_roles not in branch_role_providers:
            branch_role_providers.append(branch_roles)
        from accounts.cache import watch

        from .desk import register_branches_desk
        from .models import StaffAssignment

        watch(StaffAssignment)
        register_branches_desk()
