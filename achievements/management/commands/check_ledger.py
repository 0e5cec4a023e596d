"""``python manage.py check_ledger``: prove the credit ledger's invariants over the whole
database, and that it agrees with the decisions, the achievements' history and the audit log
(each entry has the audit event and history step that wrote it; a recognition above the
re-review threshold was re-reviewed by someone other than its decider); exit 0 when they hold,
1 naming each violation otherwise. The checks other apps register
(``achievements.services.ledger.ledger_checks``: conversion's ledger) run too."""

from django.core.management.base import BaseCommand, CommandError

from achievements.models import CreditEntry
from achievements.services.ledger import all_ledger_problems


class Command(BaseCommand):
    help = (
        "Verify every invariant of the credit ledger and cross-check it with the decisions, "
        "the history and the audit log; exit non-zero naming each violation."
    )

    def handle(self, *args, **options):
        problems = 0
        for problem in all_ledger_problems():
            problems += 1
            self.stderr.write(f"VIOLATION: {problem}")
        entries = CreditEntry.objects.count()
        if problems:
            raise CommandError(
                f"The credit ledger has {problems} violation(s) ({entries} entries)."
            )
        self.stdout.write(
            self.style.SUCCESS(f"The credit ledger holds: {entries} entries checked.")
        )
