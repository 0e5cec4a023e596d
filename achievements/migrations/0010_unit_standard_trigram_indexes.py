"""The public search's trigram indexes on unit standards; pg_trgm is created by the branches
migration this one depends on."""

import django.contrib.postgres.indexes
import django.db.models.functions.text
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0003_help_pages_and_trigram_search"),
        ("achievements", "0009_re_review_and_first_check_names"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="unitstandard",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("code"), name="gin_trgm_ops"
                ),
                name="unit_standard_code_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="unitstandard",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                ),
                name="unit_standard_name_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="unitstandard",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("field"), name="gin_trgm_ops"
                ),
                name="unit_standard_field_trgm",
            ),
        ),
    ]
