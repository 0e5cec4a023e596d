"""Help pages for learners (办事指南), and the public search's trigram indexes.

pg_trgm is a trusted extension (PostgreSQL 13+): the role that runs the migrations creates it if
it may CREATE in the database (its owner may), else a superuser runs ``CREATE EXTENSION pg_trgm``
once beforehand (deploy/README.md, "Database roles"). The GIN indexes are on ``UPPER(column)``,
the expression ``column__icontains`` compares.
"""

import django.contrib.postgres.indexes
import django.db.models.deletion
import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("branches", "0002_account_homes_memberships_announcements"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        TrigramExtension(),
        migrations.CreateModel(
            name="HelpPage",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "slug",
                    models.SlugField(
                        help_text="The last part of the page's address: lower-case letters, digits and -.",
                        max_length=60,
                        unique=True,
                        verbose_name="address",
                    ),
                ),
                ("title", models.CharField(max_length=120, verbose_name="title")),
                ("summary", models.CharField(blank=True, max_length=200, verbose_name="summary")),
                ("body", models.TextField(max_length=20000, verbose_name="text")),
                ("order", models.PositiveSmallIntegerField(default=100, verbose_name="order")),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("draft", "Draft"),
                            ("published", "Published"),
                            ("unpublished", "Unpublished"),
                        ],
                        default="draft",
                        max_length=16,
                        verbose_name="status",
                    ),
                ),
                (
                    "published_at",
                    models.DateTimeField(blank=True, null=True, verbose_name="published at"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created at")),
                ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated at")),
            ],
            options={
                "verbose_name": "help page (办事指南)",
                "verbose_name_plural": "help pages",
                "ordering": ["order", "pk"],
            },
        ),
        migrations.AddIndex(
            model_name="announcement",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="announcement_title_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="announcement",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("body"), name="gin_trgm_ops"
                ),
                name="announcement_body_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="servicepoint",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("name"), name="gin_trgm_ops"
                ),
                name="service_point_name_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="servicepoint",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("address"), name="gin_trgm_ops"
                ),
                name="service_point_address_trgm",
            ),
        ),
        migrations.AddField(
            model_name="helppage",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddIndex(
            model_name="helppage",
            index=models.Index(fields=["status", "order"], name="help_page_status_order_idx"),
        ),
        migrations.AddIndex(
            model_name="helppage",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("title"), name="gin_trgm_ops"
                ),
                name="help_page_title_trgm",
            ),
        ),
        migrations.AddIndex(
            model_name="helppage",
            index=django.contrib.postgres.indexes.GinIndex(
                django.contrib.postgres.indexes.OpClass(
                    django.db.models.functions.text.Upper("summary"), name="gin_trgm_ops"
                ),
                name="help_page_summary_trgm",
            ),
        ),
    ]
