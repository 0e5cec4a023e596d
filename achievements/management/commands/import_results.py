"""``python manage.py import_results --institution CODE --category CODE FILE [--valid-rows-only]``:
an operator sends a member institution's result file (CSV or XLSX) as a batch.

It runs the clerk's service (``achievements.services.batch``): ``batch_from_path`` makes the
batch (source "command"; the same checks: the file's size, a file already sent, a clerk of an
approved member institution, a category in use), then ``batch_run`` works it here, in this
process, until it is finished — not through Celery. The batch's progress is printed as it
commits, then its counts and its refused rows. A failed batch exits non-zero with its reason.

The service acts for a clerk of the institution (the batch, its audit events and the history of
the results it records name them): ``--user``, or the institution's only clerk when it has one.
"""

import threading
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import Institution, InstitutionStaff
from achievements.batch.normalise import stored_errors
from achievements.batch.reader import HEADINGS
from achievements.models import AchievementCategory, ImportBatch, ImportRow
from achievements.services.batch import batch_from_path, batch_run, counts
from creditbank.errors import ServiceError

# How often the progress is read while the batch is worked (from a thread of its own, which
# reads what the chunks have committed).
PROGRESS_SECONDS = 2.0
# How long one ``batch_run`` goes on before it returns; the command calls it again until the
# batch is finished (no Celery time limit applies here, so the file is opened once).
RUN_SECONDS = 3600
# How long to wait between tries when another worker holds the batch (the service queues no
# task for the command's batch, but ``batches_resume`` may hand an unfinished one to a worker).
BUSY_SECONDS = 2.0
# The command speaks English, as the other management commands do (the service's messages
# are in the portal's language).
MODES = {
    ImportBatch.Mode.ALL_OR_NOTHING: "all or nothing",
    ImportBatch.Mode.VALID_ROWS: "valid rows only",
}
# Refused rows printed with their errors (all of them are in the batch's error file).
REFUSED_SHOWN = 20


class Command(BaseCommand):
    help = (
        "Send a member institution's result file (CSV or XLSX) as a batch and work it here "
        "until it is finished: the same checks, recognition and ledger as a clerk's upload. "
        "Prints the progress and the counts; exits non-zero if the batch fails."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--institution",
            required=True,
            metavar="CODE",
            help="the institution's unified social credit code (统一社会信用代码)",
        )
        parser.add_argument(
            "--category", required=True, metavar="CODE", help="the achievement category's code"
        )
        parser.add_argument("file", metavar="FILE", help="the result file, CSV or XLSX")
        parser.add_argument(
            "--valid-rows-only",
            action="store_true",
            help="record the valid rows and refuse the others (default: all or nothing, a "
            "refused row fails the whole batch)",
        )
        parser.add_argument(
            "--user",
            metavar="USERNAME",
            help="the clerk of the institution the batch is sent as: the service acts for a "
            "clerk, and the batch, its audit events and the results' history name them "
            "(default: the institution's only clerk, when it has exactly one)",
        )

    def handle(self, *args, **options):
        institution = self._institution(options["institution"])
        category = self._category(options["category"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        user = self._clerk(institution, options["user"])
        mode = ImportBatch.Mode.ALL_OR_NOTHING
        if options["valid_rows_only"]:
            mode = ImportBatch.Mode.VALID_ROWS
        try:
            batch = batch_from_path(
                acting_user=user, institution=institution, category=category, mode=mode, path=path
            )
        except ServiceError as error:
            raise CommandError(f"The file was not accepted: {error.message}") from None
        self.stdout.write(
            f"Batch {batch.reference}: {batch.file_name} ({batch.file_format.upper()}, "
            f"{batch.file_size:,} bytes) for {institution.name}, category {category.code}, "
            f"{MODES[batch.mode]}, sent as {user.get_username()}"
        )
        self._work(batch)
        batch.refresh_from_db()
        self._report(batch)

    # --- The arguments -----------------------------------------------------------------------

    @staticmethod
    def _institution(code: str) -> Institution:
        institution = Institution.objects.filter(credit_code=code.strip().upper()).first()
        if institution is None:
            raise CommandError(f"No institution has the unified social credit code {code!r}.")
        return institution

    @staticmethod
    def _category(code: str) -> AchievementCategory:
        category = AchievementCategory.objects.filter(code=code.strip()).first()
        if category is None:
            known = ", ".join(
                AchievementCategory.objects.active().order_by("code").values_list("code", flat=True)
            )
            raise CommandError(f"No achievement category has the code {code!r} (in use: {known}).")
        return category

    @staticmethod
    def _clerk(institution: Institution, username: str | None):
        """The user the batch is sent as: ``--user``, or the institution's only clerk. Whether
        they may send it is the service's check."""
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"No user has the username {username!r}.")
            return user
        clerks = list(
            get_user_model()
            .objects.filter(
                is_active=True,
                institution_roles__institution=institution,
                institution_roles__role=InstitutionStaff.Role.CLERK,
            )
            .order_by("username")
            .distinct()
        )
        if len(clerks) == 1:
            return clerks[0]
        if not clerks:
            raise CommandError(
                f"{institution.name} has no clerk: a batch is sent as a clerk of the "
                "institution. Add one, or name one with --user."
            )
        names = ", ".join(clerk.get_username() for clerk in clerks)
        raise CommandError(
            f"{institution.name} has {len(clerks)} clerks ({names}): name the one the batch is "
            "sent as with --user."
        )

    # --- Working the batch -------------------------------------------------------------------

    def _work(self, batch: ImportBatch) -> None:
        """``batch_run`` until the batch is finished, the progress printed meanwhile."""
        stop = threading.Event()
        watcher = threading.Thread(target=self._watch, args=(batch.pk, stop), daemon=True)
        watcher.start()
        try:
            while True:
                done = batch_run(batch.pk, seconds=RUN_SECONDS)
                if done:
                    return
                if done is None:
                    # A Celery worker is working it (batches_resume handed it on): wait.
                    stop.wait(BUSY_SECONDS)
        finally:
            stop.set()
            watcher.join()

    def _watch(self, batch_id: int, stop: threading.Event) -> None:
        """Print the batch's committed progress whenever it changed (a thread, with its own
        database connection)."""
        shown = None
        try:
            while not stop.wait(PROGRESS_SECONDS):
                batch = ImportBatch.objects.filter(pk=batch_id).first()
                if batch is None:
                    continue
                line = _progress(batch)
                if line != shown:
                    self.stdout.write(line)
                    self.stdout.flush()
                    shown = line
        finally:
            connection.close()

    # --- The result --------------------------------------------------------------------------

    def _report(self, batch: ImportBatch) -> None:
        found = counts(batch)
        self.stdout.write(
            f"Batch {batch.reference} {batch.status}: "
            + ", ".join(f"{name.replace('_', ' ')} {value:,}" for name, value in found.items())
        )
        self._refused(batch)
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(f"Batch {batch.reference} failed: {batch.failure_shown}")

    def _refused(self, batch: ImportBatch) -> None:
        refused = ImportRow.objects.filter(batch=batch, outcome=ImportRow.Outcome.REFUSED)
        total = refused.count()
        if not total:
            return
        self.stdout.write(f"Refused rows ({total:,}), what to fix:")
        for row in refused.order_by("row_number")[:REFUSED_SHOWN]:
            for column, _code, message in stored_errors(row.errors):
                heading = HEADINGS.get(column, column)
                self.stdout.write(f"  row {row.row_number}, {heading}: {message}")
        if total > REFUSED_SHOWN:
            self.stdout.write(
                f"  … and {total - REFUSED_SHOWN:,} more (the batch's error file lists them all)"
            )


def _progress(batch: ImportBatch) -> str:
    if batch.status in (ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING):
        return (
            f"  validating: {batch.rows_read:,} rows read, {batch.rows_valid:,} valid, "
            f"{batch.rows_refused:,} refused"
        )
    if batch.status == ImportBatch.Status.PROCESSING:
        waiting = batch.rows_valid - batch.unchanged
        return f"  committing: {batch.rows_committed:,} of {waiting:,} rows committed"
    return f"  {batch.status}"
