"""Create the demo data set, idempotently: each installed app may offer ``<app>/demo.py``.

Apps are visited in INSTALLED_APPS order (lower apps first) and their ``seed(out)`` called, the
way the admin discovers ``admin.py`` modules, so this command never imports a higher app by name.
Then each app's ``seed_late(out)``, if it has one: demo data that draws on what higher apps
seeded (the demo learner's transcript lists the conversions ``conversion`` made).
"""

from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.module_loading import module_has_submodule


def demo_modules():
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "demo"):
            yield import_module(f"{config.name}.demo")


class Command(BaseCommand):
    help = "Create the demo centre, branches, service points, institutions and one person per role."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Only print the demo log-ins.")

    def handle(self, *args, list=False, **options):
        if not list:
            with transaction.atomic():
                for module in demo_modules():
                    module.seed(self.stdout)
                for module in demo_modules():
                    if hasattr(module, "seed_late"):
                        module.seed_late(self.stdout)
            self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write("role | username | password | totp")
        for module in demo_modules():
            password = getattr(module, "DEMO_PASSWORD", "")
            totp = getattr(module, "demo_totp_secret", None)
            learners = getattr(module, "LEARNERS", ())  # they sign in without TOTP
            for role, username in getattr(module, "DEMO_PEOPLE", []):
                secret = totp(username) if totp and username not in learners else "—"
                self.stdout.write(f"{role} | {username} | {password} | {secret}")
