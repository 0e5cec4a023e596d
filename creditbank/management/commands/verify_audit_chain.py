from django.core.management.base import BaseCommand, CommandError

from creditbank.audit import read_checkpoints, verify_chain


class Command(BaseCommand):
    help = (
        "Verify the audit log's chain of HMACs; exit non-zero naming the first bad event. With "
        "--checkpoints, also check it against checkpoint files kept outside the database."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--checkpoints",
            action="append",
            default=[],
            metavar="FILE",
            help="A file of signed checkpoints (CREDITBANK_AUDIT_CHECKPOINT_FILE or a copy of "
            "it, or the 'audit chain checkpoint' lines of the log, one JSON record a line). "
            "May be given more than once.",
        )

    def handle(self, *args, **options):
        checkpoints = []
        for path in options["checkpoints"]:
            try:
                checkpoints += read_checkpoints(path)
            except (OSError, ValueError) as error:
                raise CommandError(f"Cannot read checkpoints: {error}") from error
        report = verify_chain(checkpoints=checkpoints)
        if not report.intact:
            where = f" at event #{report.bad_event_id}" if report.bad_event_id else ""
            raise CommandError(
                f"Audit chain broken{where}: {report.problem}. "
                f"{report.checked} events before it are intact."
            )
        against = (
            f", matches {report.external_checked} external checkpoints"
            if options["checkpoints"]
            else ""
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {report.checked} events, head #{report.last_event_id} "
                f"{report.last_hash[:16]}…{against}"
            )
        )
