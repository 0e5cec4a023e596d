from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConversionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "conversion"
    verbose_name = _("Conversion")

    def ready(self) -> None:
        from achievements.services.ledger import ledger_check_register

        from .desk import register_conversion_desk
        from .services.conversion_ledger import conversion_problems

        register_conversion_desk()
        ledger_check_register(conversion_problems)
        # The staff an application is addressed to read the achievements it uses; the learner's
        # archive shows what was converted where (helper D).
        from achievements import access as achievement_access
        from achievements.archive import archive_section_register

        from .access import reads_achievement_for_application
        from .archive import archive_conversions

        if reads_achievement_for_application not in achievement_access.staff_reader_checks:
            achievement_access.staff_reader_checks.append(reads_achievement_for_application)
        archive_section_register(archive_conversions)
        # Transcripts list what was converted and exempted (issue 14).
        from achievements.proof.content import transcript_section_register

        from .proof import transcript_conversions

        transcript_section_register("conversions", transcript_conversions)
