from django.core.management.base import BaseCommand, CommandError

from creditbank.audit import verify_chain


class Command(BaseCommand):
    help = "Verify the hash chain of the audit log; exit non-zero naming the first bad event."

    def handle(self, *args, **options):
        report = verify_chain()
        if not report.intact:
            raise CommandError(
                f"Audit chain broken at event #{report.bad_event_id}: {report.problem}. "
                f"{report.checked} events before it are intact."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events, head #{report.last_event_id} "
                f"{report.last_hash[:16]}…"
            )
        )
