from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AchievementsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "achievements"
    verbose_name = _("Achievements")

    def ready(self) -> None:
        from .desk import register_achievements_desk

        register_achievements_desk()
