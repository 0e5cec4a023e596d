from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditbankConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "creditbank"
    verbose_name = _("Credit bank")

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the sign-in audit receivers)
