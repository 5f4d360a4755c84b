"""The Delivery table becomes the send queue: workers claim queued, due rows themselves
(lifecycle.claim_due), so a queued delivery no longer has a django-tasks row.

The queue's index orders due rows by due time, then queue order (`created_at`), so
a claim reads the first rows of the index instead of sorting every due row.

Forward, the send tasks still waiting are deleted: their deliveries are queued rows the
workers take anyway. Backward there is nothing to rebuild: the earlier release's sweep
enqueues a task for every delivery queued and overdue by a minute (its "lost task" case).
"""

from django.db import migrations, models

SEND_TASK = "hushpost.delivery.tasks.send_delivery_task"


def drop_waiting_send_tasks(apps, schema_editor):
    task_results = apps.get_model("django_tasks_database", "DBTaskResult")
    task_results.objects.using(schema_editor.connection.alias).filter(
        task_path=SEND_TASK, status="READY"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("delivery", "0010_send_rate"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [
        migrations.AddField(
            model_name="delivery",
            name="claimed_by",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.AddField(
            model_name="delivery",
            name="request_id",
            field=models.CharField(blank=True, max_length=64),
        ),
        migrations.RemoveIndex(
            model_name="delivery",
            name="delivery_de_status_0201c2_idx",
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(
                fields=["status", "next_attempt_at", "created_at"], name="delivery_queue_idx"
            ),
        ),
        migrations.RunPython(drop_waiting_send_tasks, migrations.RunPython.noop),
    ]
