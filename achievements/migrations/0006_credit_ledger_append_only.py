"""Make the credit ledger append-only in the database itself: UPDATE and DELETE raise.

TRUNCATE is left alone (it is not a row operation) so that test databases can be flushed.
"""

from django.db import migrations

FORBID = """
CREATE OR REPLACE FUNCTION achievements_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'credit ledger entries are immutable (% refused)', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER achievements_creditentry_append_only
    BEFORE UPDATE OR DELETE ON achievements_creditentry
    FOR EACH ROW EXECUTE FUNCTION achievements_ledger_append_only();
"""

ALLOW = """
DROP TRIGGER IF EXISTS achievements_creditentry_append_only ON achievements_creditentry;
DROP FUNCTION IF EXISTS achievements_ledger_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [("achievements", "0005_history_of_existing_deposits")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
