"""One glossary for recognition (see ``achievements.models.recognition``): a decision's centre
re-review fields, named ``checked_*`` until now, become ``re_reviewed_by``, ``re_reviewed_at`` and
``re_review_note``, their maker-checker constraint ``recognition_re_reviewer_is_not_decider``;
the achievement's ``review_branch`` (the branch of its first check) becomes
``first_check_branch``.

Only names change. ``RenameField`` alone would drop and re-add each foreign key, which reads
every row again under the table's lock; here the database renames the columns, the constraints
and the indexes in its catalogue (no row is read or written) and the model state follows with
the operations Django would have written. The foreign keys and indexes take the names Django
gives such columns, so no name in the catalogue says ``checked`` or ``review_branch`` any more.
Reversible: the same renames backwards.
"""

from django.db import migrations, models

RENAMES = [
    # (kind, table, old name, new name)
    ("COLUMN", "achievements_recognition", "checked_by_id", "re_reviewed_by_id"),
    ("COLUMN", "achievements_recognition", "checked_at", "re_reviewed_at"),
    ("COLUMN", "achievements_recognition", "check_note", "re_review_note"),
    (
        "CONSTRAINT",
        "achievements_recognition",
        "recognition_checker_is_not_maker",
        "recognition_re_reviewer_is_not_decider",
    ),
    (
        "CONSTRAINT",
        "achievements_recognition",
        "achievements_recogni_checked_by_id_b11e28cf_fk_accounts_",
        "achievements_recogni_re_reviewed_by_id_1c76ebb5_fk_accounts_",
    ),
    (
        "INDEX",
        "achievements_recognition",
        "achievements_recognition_checked_by_id_b11e28cf",
        "achievements_recognition_re_reviewed_by_id_1c76ebb5",
    ),
    ("COLUMN", "achievements_achievement", "review_branch_id", "first_check_branch_id"),
    (
        "CONSTRAINT",
        "achievements_achievement",
        "achievements_achieve_review_branch_id_4a5ab1ba_fk_branches_",
        "achievements_achieve_first_check_branch_i_d47b9478_fk_branches_",
    ),
    (
        "INDEX",
        "achievements_achievement",
        "achievements_achievement_review_branch_id_4a5ab1ba",
        "achievements_achievement_first_check_branch_id_d47b9478",
    ),
]


def _rename(kind: str, table: str, old: str, new: str) -> str:
    if kind == "INDEX":
        return f'ALTER INDEX "{old}" RENAME TO "{new}";'
    return f'ALTER TABLE "{table}" RENAME {kind} "{old}" TO "{new}";'


FORWARD = "\n".join(_rename(*rename) for rename in RENAMES)
BACKWARD = "\n".join(_rename(kind, table, new, old) for kind, table, old, new in reversed(RENAMES))


class Migration(migrations.Migration):
    dependencies = [("achievements", "0008_credit_ledger_refuses_truncate")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="recognition", name="recognition_checker_is_not_maker"
                ),
                migrations.RenameField("recognition", "checked_by", "re_reviewed_by"),
                migrations.RenameField("recognition", "checked_at", "re_reviewed_at"),
                migrations.RenameField("recognition", "check_note", "re_review_note"),
                migrations.AddConstraint(
                    model_name="recognition",
                    constraint=models.CheckConstraint(
                        condition=models.Q(re_reviewed_by__isnull=True)
                        | models.Q(re_reviewed_by=models.F("decided_by"), _negated=True),
                        name="recognition_re_reviewer_is_not_decider",
                    ),
                ),
                migrations.RemoveIndex(
                    model_name="achievement", name="achievement_branch_queue_idx"
                ),
                migrations.RenameField("achievement", "review_branch", "first_check_branch"),
                migrations.AddIndex(
                    model_name="achievement",
                    index=models.Index(
                        fields=["first_check_branch", "status", "status_changed_at"],
                        include=("account", "issuer_institution"),
                        name="achievement_branch_queue_idx",
                    ),
                ),
            ],
        ),
    ]
