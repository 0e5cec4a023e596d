from django.core.management.base import BaseCommand, CommandError

from branches.services import districts_load


class Command(BaseCommand):
    help = "Load the configured city's districts from reference data (branches/data/)."

    def add_arguments(self, parser):
        parser.add_argument("--city", help="chongqing (default from settings) or beijing")
        parser.add_argument("--file", help="a CSV with code,name_zh,name_en,kind")

    def handle(self, *args, city=None, file=None, **options):
        try:
            count = districts_load(acting_user=None, city=city, path=file)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"{count} districts loaded."))
