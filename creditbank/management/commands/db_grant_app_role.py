"""Give the application's database role what it needs, and nothing that could undo the audit.

Production runs with two PostgreSQL roles: the owner of the tables, which runs migrations
(``MIGRATE_DATABASE_URL``), and the application's role (``DATABASE_URL``), which owns nothing.
Only an owner or a superuser can ALTER a table, switch its triggers off or drop it, and TRUNCATE
needs a privilege that is never granted here; so the application, whoever takes it over, can
neither rewrite nor empty the audit log and the credit ledger.

Run as the owner after every ``migrate`` (deploy/migrate.sh does both); it is idempotent.
"""

import re

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

# Tables the application may read and append to, never change: "app_label.Model".
APPEND_ONLY = ("creditbank.AuditEvent", "creditbank.AuditCheckpoint", "achievements.CreditEntry")

_ROLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")


class Command(BaseCommand):
    help = (
        "As the tables' owner: grant ROLE SELECT/INSERT/UPDATE/DELETE on the application's "
        "tables, only SELECT/INSERT on the append-only ones, and the same for future tables."
    )

    def add_arguments(self, parser):
        parser.add_argument("role", help="The application's login role (the user of DATABASE_URL).")
        parser.add_argument("--schema", default="public", help="Schema of the tables (public).")

    def handle(self, *args, role, schema, **options):
        for name in (role, schema):
            if not _ROLE_NAME.match(name):
                raise CommandError(f"Not a plain PostgreSQL name: {name!r}")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT tableowner FROM pg_tables WHERE schemaname = %s"
                " AND tablename = 'django_migrations'",
                [schema],
            )
            found = cursor.fetchone()
            if found is None:
                raise CommandError(f"No migrated tables in schema {schema}: run migrate first.")
            owner = found[0]
            self._refuse_unsafe(cursor, role, schema, owner)
            for statement in self._statements(role, schema, owner):
                cursor.execute(statement)
        self.stdout.write(
            self.style.SUCCESS(
                f"Role {role} may read and write the tables of schema {schema}, and only read "
                f"and append to {', '.join(self._append_only_tables())}."
            )
        )

    def _refuse_unsafe(self, cursor, role, schema, owner):
        cursor.execute(
            "SELECT r.rolsuper OR r.rolcreaterole OR r.rolbypassrls,"
            " r.rolname IN (current_user, %s), pg_has_role(r.rolname, %s, 'MEMBER'),"
            " EXISTS (SELECT FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            "         WHERE c.relowner = r.oid AND n.nspname = %s)"
            " FROM pg_roles r WHERE r.rolname = %s",
            [owner, owner, schema, role],
        )
        row = cursor.fetchone()
        if row is None:
            raise CommandError(
                f"Role {role} does not exist. Create it first, as a superuser or a role with "
                f"CREATEROLE: CREATE ROLE {role} LOGIN PASSWORD '…';"
            )
        powerful, is_self, member_of_owner, owns = row
        if powerful or is_self or member_of_owner or owns:
            raise CommandError(
                f"Role {role} must be a separate role that owns nothing: it must not be a "
                f"superuser, have CREATEROLE or BYPASSRLS, be the tables' owner ({owner}) or a "
                "member of it, run this command, or own tables."
            )

    def _append_only_tables(self):
        return [apps.get_model(label)._meta.db_table for label in APPEND_ONLY]

    def _statements(self, role, schema, owner):
        quote = connection.ops.quote_name
        role, schema_q, owner = quote(role), quote(schema), quote(owner)
        database = quote(connection.settings_dict["NAME"])
        yield f"GRANT CONNECT ON DATABASE {database} TO {role}"
        yield f"GRANT USAGE ON SCHEMA {schema_q} TO {role}"
        # Start from nothing, so that running it again also takes back anything granted since.
        yield f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema_q} FROM {role}"
        yield f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema_q} TO {role}"
        for table in self._append_only_tables():
            yield f"REVOKE UPDATE, DELETE ON {quote(schema)}.{quote(table)} FROM {role}"
        yield f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema_q} TO {role}"
        # Tables and sequences the owner creates later (new migrations) are granted the same;
        # a new append-only table needs its name in APPEND_ONLY and this command run again.
        yield (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema_q} "
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
        )
        yield (
            f"ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA {schema_q} "
            f"GRANT USAGE, SELECT ON SEQUENCES TO {role}"
        )
