"""The episode's tasks move into the one task model (coordination.Task), data included."""

from django.db import migrations
from django.utils import timezone

TITLES = {"evening_call": "Kvällssamtal dag 1"}


def move_tasks(apps, schema_editor):
    episode_task = apps.get_model("episodes", "EpisodeTask")
    task = apps.get_model("coordination", "Task")
    for old in episode_task.objects.select_related("episode").iterator():
        task.objects.create(
            title=(old.note or TITLES.get(old.kind, "Uppgift"))[:300],
            kind=old.kind if old.kind in ("evening_call", "other") else "other",
            episode_id=old.episode_id,
            patient_id=old.episode.patient_id,
            owner_unit_id=old.unit_id,
            due_on=timezone.localdate(old.due_at),
            due_at=old.due_at,
            status="done" if old.done_at else "open",
            done_at=old.done_at,
            done_by_id=old.done_by_id,
            note=old.note if old.done_at else "",
            source="flow",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("episodes", "0001_initial"),
        ("coordination", "0007_unified_tasks"),
    ]

    operations = [
        migrations.RunPython(move_tasks, migrations.RunPython.noop),
        migrations.DeleteModel(name="EpisodeTask"),
    ]
