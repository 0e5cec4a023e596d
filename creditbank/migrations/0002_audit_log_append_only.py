"""Make the audit table append-only in the database itself: UPDATE and DELETE raise.

TRUNCATE is left alone (it is not a row operation) so that test databases can be flushed.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION creditbank_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER creditbank_auditevent_append_only
    BEFORE UPDATE OR DELETE ON creditbank_auditevent
    FOR EACH ROW EXECUTE FUNCTION creditbank_audit_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS creditbank_auditevent_append_only ON creditbank_auditevent;
DROP FUNCTION IF EXISTS creditbank_audit_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0001_audit_log")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
