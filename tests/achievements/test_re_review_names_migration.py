"""Migration 0009 gives the centre re-review's fields and the first check's branch their glossary
names (``achievements.models.recognition``) in the catalogue only: no table is rewritten, and it
goes back to the old names and forward again."""

import pytest
from django.core.management import call_command
from django.db import connection

TABLES = ("achievements_recognition", "achievements_achievement")
OLD_NAMES = {
    "checked_by_id",
    "checked_at",
    "check_note",
    "recognition_checker_is_not_maker",
    "achievements_recogni_checked_by_id_b11e28cf_fk_accounts_",
    "achievements_recognition_checked_by_id_b11e28cf",
    "review_branch_id",
    "achievements_achieve_review_branch_id_4a5ab1ba_fk_branches_",
    "achievements_achievement_review_branch_id_4a5ab1ba",
}
NEW_NAMES = {
    "re_reviewed_by_id",
    "re_reviewed_at",
    "re_review_note",
    "recognition_re_reviewer_is_not_decider",
    "achievements_recogni_re_reviewed_by_id_1c76ebb5_fk_accounts_",
    "achievements_recognition_re_reviewed_by_id_1c76ebb5",
    "first_check_branch_id",
    "achievements_achieve_first_check_branch_i_d47b9478_fk_branches_",
    "achievements_achievement_first_check_branch_id_d47b9478",
}


def _catalogue() -> tuple[set[str], dict[str, int]]:
    """The names of the two tables' columns, constraints and indexes, and each table's file
    (a new file means the table was rewritten)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT attname FROM pg_attribute
            WHERE attrelid = ANY(%(tables)s::regclass[]) AND attnum > 0 AND NOT attisdropped
            UNION ALL
            SELECT conname FROM pg_constraint WHERE conrelid = ANY(%(tables)s::regclass[])
            UNION ALL
            SELECT indexrelid::regclass::text FROM pg_index
            WHERE indrelid = ANY(%(tables)s::regclass[])
            """,
            {"tables": list(TABLES)},
        )
        names = {name for (name,) in cursor.fetchall()}
        cursor.execute(
            "SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(%s)", [list(TABLES)]
        )
        files = dict(cursor.fetchall())
    return names, files


@pytest.mark.django_db
def test_it_renames_in_the_catalogue_only_and_goes_back_and_forth():
    # Compared at 0009 itself: later migrations change these tables in their own ways.
    call_command("migrate", "achievements", "0009", verbosity=0)
    names, files = _catalogue()
    assert names >= NEW_NAMES and not names & OLD_NAMES

    call_command("migrate", "achievements", "0008", verbosity=0)
    names_before, files_before = _catalogue()
    assert names_before >= OLD_NAMES and not names_before & NEW_NAMES
    assert names_before - OLD_NAMES == names - NEW_NAMES  # nothing else changed
    assert files_before == files

    call_command("migrate", "achievements", "0009", verbosity=0)
    assert _catalogue() == (names, files)
    call_command("migrate", verbosity=0)
