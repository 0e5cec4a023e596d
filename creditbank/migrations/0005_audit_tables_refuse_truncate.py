"""The audit events and checkpoints refuse TRUNCATE, and the checkpoints UPDATE and DELETE too.

Row triggers do not fire on TRUNCATE, so until now the owner of the table (and the development
superuser) could empty the log in one statement. The application's production role has no
TRUNCATE privilege at all (``manage.py db_grant_app_role``); these triggers stop the owner too,
unless it deliberately switches them off, which only an owner or a superuser can.

Test databases are still emptied between transactional tests: the project's ``flush`` command
(creditbank/management/commands/flush.py) sets ``session_replication_role = replica``, under which
these triggers do not fire; only a superuser may set it.
"""

from django.db import migrations

FORBID = """
CREATE TRIGGER creditbank_auditevent_no_truncate
    BEFORE TRUNCATE ON creditbank_auditevent
    FOR EACH STATEMENT EXECUTE FUNCTION creditbank_audit_append_only();

CREATE OR REPLACE FUNCTION creditbank_audit_checkpoint_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit checkpoints are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER creditbank_auditcheckpoint_append_only
    BEFORE UPDATE OR DELETE ON creditbank_auditcheckpoint
    FOR EACH ROW EXECUTE FUNCTION creditbank_audit_checkpoint_append_only();

CREATE TRIGGER creditbank_auditcheckpoint_no_truncate
    BEFORE TRUNCATE ON creditbank_auditcheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION creditbank_audit_checkpoint_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS creditbank_auditcheckpoint_no_truncate ON creditbank_auditcheckpoint;
DROP TRIGGER IF EXISTS creditbank_auditcheckpoint_append_only ON creditbank_auditcheckpoint;
DROP FUNCTION IF EXISTS creditbank_audit_checkpoint_append_only();
DROP TRIGGER IF EXISTS creditbank_auditevent_no_truncate ON creditbank_auditevent;
"""


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0004_audit_chain_signed_with_key")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
