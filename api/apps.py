from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "api"
    verbose_name = _("Institutions' API")

    def ready(self):
        from creditbank.inputguard import bad_request_answer_register

        from .problems import control_characters_problem

        # A request with control characters gets the site's 400 in the API's own format.
        bad_request_answer_register("/api/", control_characters_problem)
