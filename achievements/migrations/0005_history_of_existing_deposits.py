"""Achievements deposited before the history existed: their status dates from the deposit, and
their history starts with it."""

from django.db import migrations


def forwards(apps, schema_editor):
    Achievement = apps.get_model("achievements", "Achievement")
    AchievementEvent = apps.get_model("achievements", "AchievementEvent")
    for achievement in Achievement.objects.filter(events__isnull=True).iterator():
        Achievement.objects.filter(pk=achievement.pk).update(
            status_changed_at=achievement.created_at
        )
        AchievementEvent.objects.create(
            achievement=achievement,
            action="deposit",
            status=achievement.status,
            actor_id=achievement.deposited_by_id,
            actor_role="learner" if achievement.deposited_by_id else "",
            created_at=achievement.created_at,
        )


class Migration(migrations.Migration):
    dependencies = [("achievements", "0004_recognition_events_ledger")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
