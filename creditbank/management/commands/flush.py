"""``manage.py flush`` for a database whose append-only tables refuse TRUNCATE.

Django's own flush (also what pytest-django runs after every transactional and live-server test)
empties all tables with one TRUNCATE, which the audit log's and the credit ledger's triggers
refuse. This command runs it with ``session_replication_role = replica``, under which ordinary
triggers do not fire. Only a superuser may set that: the development and test databases' user can,
the production roles cannot, so there a flush still fails on the append-only tables, as it should.
"""

from django.core.management.base import CommandError
from django.core.management.commands import flush
from django.db import DatabaseError, connections


class Command(flush.Command):
    help = flush.Command.help + " Append-only tables are emptied too (superusers only)."

    def handle(self, **options):
        connection = connections[options["database"]]
        try:
            with connection.cursor() as cursor:
                cursor.execute("SET session_replication_role = replica")
        except DatabaseError as error:
            raise CommandError(
                "Only a superuser can flush this database: the audit log and the credit ledger "
                f"refuse TRUNCATE ({error})."
            ) from error
        try:
            return super().handle(**options)
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")
