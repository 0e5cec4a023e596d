from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import cache, signals  # noqa: F401  (the password-reset receiver)
        from .desk import register_accounts_desk

        cache.connect_invalidation()
        register_accounts_desk()
