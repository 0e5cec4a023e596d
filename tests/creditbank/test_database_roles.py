"""Production's database role owns nothing: it reads and writes the application's tables, only
appends to the audit log and the credit ledger, and can neither change, empty nor unprotect them."""

import uuid

import psycopg
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from creditbank.audit import audit_record, verify_chain

pytestmark = pytest.mark.django_db(transaction=True)  # the role's own connection sees commits


@pytest.fixture
def app_role():
    """A login role of this test's own (roles are cluster-wide: unique per run and xdist worker),
    granted by the command; yields a psycopg connection made as it. Dropped afterwards."""
    name = f"cb_test_app_{uuid.uuid4().hex[:12]}"
    password = uuid.uuid4().hex
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE ROLE {name} LOGIN PASSWORD %s", [password])
    try:
        call_command("db_grant_app_role", name)
        params = connection.settings_dict
        with psycopg.connect(
            host=params["HOST"] or "127.0.0.1",
            port=params["PORT"] or 5432,
            dbname=params["NAME"],
            user=name,
            password=password,
            autocommit=True,
        ) as app:
            yield app
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP OWNED BY {name}")  # the grants and default privileges
            cursor.execute(f"DROP ROLE {name}")


REFUSED = [
    "UPDATE creditbank_auditevent SET action = 'changed'",
    "DELETE FROM creditbank_auditevent",
    "TRUNCATE creditbank_auditevent",
    "UPDATE creditbank_auditcheckpoint SET last_hash = ''",
    "DELETE FROM creditbank_auditcheckpoint",
    "TRUNCATE creditbank_auditcheckpoint",
    "UPDATE achievements_creditentry SET amount = 0",
    "DELETE FROM achievements_creditentry",
    "TRUNCATE achievements_creditentry",
]


def test_the_app_role_cannot_change_or_empty_the_append_only_tables(app_role):
    event = audit_record(actor=None, action="test.kept")
    for statement in REFUSED:
        with pytest.raises(psycopg.errors.InsufficientPrivilege, match="permission denied"):
            app_role.execute(statement)
    assert verify_chain().intact
    row = app_role.execute("SELECT action FROM creditbank_auditevent WHERE id = %s", [event.pk])
    assert row.fetchone() == ("test.kept",)


@pytest.mark.parametrize(
    "statement",
    [
        "ALTER TABLE creditbank_auditevent DISABLE TRIGGER USER",
        "ALTER TABLE achievements_creditentry DISABLE TRIGGER ALL",
        "DROP TRIGGER creditbank_auditevent_append_only ON creditbank_auditevent",
        "SET session_replication_role = replica",
    ],
)
def test_the_app_role_cannot_switch_the_triggers_off(app_role, statement):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_role.execute(statement)


def test_the_app_role_reads_and_writes_ordinary_tables_and_appends_to_the_audit_log(app_role):
    app_role.execute(
        "INSERT INTO django_session (session_key, session_data, expire_date)"
        " VALUES ('cbtestsession', 'data', now() + interval '1 hour')"
    )
    app_role.execute("UPDATE django_session SET session_data = 'changed'")
    row = app_role.execute("SELECT session_data FROM django_session")
    assert row.fetchall() == [("changed",)]
    app_role.execute("DELETE FROM django_session")
    inserted = app_role.execute(
        "INSERT INTO creditbank_auditcheckpoint"
        " (created_at, last_hash, events_checked, intact, problem)"
        " VALUES (now(), '', 0, true, '') RETURNING id"
    ).fetchone()
    assert inserted[0] > 0  # the id sequence is usable too


def test_granting_is_idempotent_and_refuses_a_role_that_owns_the_tables(app_role):
    call_command("db_grant_app_role", app_role.info.user)  # again: nothing changes
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_role.execute("DELETE FROM creditbank_auditevent")
    with pytest.raises(CommandError, match="owns nothing"):
        call_command("db_grant_app_role", connection.settings_dict["USER"])
    with pytest.raises(CommandError, match="does not exist"):
        call_command("db_grant_app_role", f"cb_test_missing_{uuid.uuid4().hex[:12]}")
