from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversion"
    verbose_name = _("Conversion")

    def ready(self) -> None:
        from .desk import register_conversion_desk

        register_conversion_desk()
