"""The conversion ledger is append-only in the database itself: UPDATE, DELETE and TRUNCATE
raise (as the credit ledger's, achievements 0006 and 0008). Test databases are emptied by the
project's ``flush`` under ``session_replication_role = replica``, where the triggers do not fire.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION conversion_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'conversion ledger entries are immutable (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER conversion_conversionentry_append_only
    BEFORE UPDATE OR DELETE ON conversion_conversionentry
    FOR EACH ROW EXECUTE FUNCTION conversion_ledger_append_only();

CREATE TRIGGER conversion_conversionentry_no_truncate
    BEFORE TRUNCATE ON conversion_conversionentry
    FOR EACH STATEMENT EXECUTE FUNCTION conversion_ledger_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS conversion_conversionentry_no_truncate ON conversion_conversionentry;
DROP TRIGGER IF EXISTS conversion_conversionentry_append_only ON conversion_conversionentry;
DROP FUNCTION IF EXISTS conversion_ledger_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("conversion", "0003_applications_caps_ledger")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
