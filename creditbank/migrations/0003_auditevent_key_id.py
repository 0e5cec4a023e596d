from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("creditbank", "0002_audit_log_append_only")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="key_id",
            # Existing rows are re-signed, and given their key's id, by the next migration.
            field=models.CharField(default="", max_length=16, verbose_name="audit key"),
            preserve_default=False,
        ),
    ]
