"""The credit ledger refuses TRUNCATE too (row triggers do not fire on it).

The application's production role has no TRUNCATE privilege (``manage.py db_grant_app_role``);
this trigger stops the table's owner and the development superuser as well. Test databases are
still emptied between transactional tests by the project's ``flush`` command, which sets
``session_replication_role = replica`` (superusers only), under which the trigger does not fire.
"""

from django.db import migrations

FORBID = """
CREATE TRIGGER achievements_creditentry_no_truncate
    BEFORE TRUNCATE ON achievements_creditentry
    FOR EACH STATEMENT EXECUTE FUNCTION achievements_ledger_append_only();
"""

ALLOW = "DROP TRIGGER IF EXISTS achievements_creditentry_no_truncate ON achievements_creditentry;"


class Migration(migrations.Migration):
    dependencies = [("achievements", "0007_queue_indexes_cover_account")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
