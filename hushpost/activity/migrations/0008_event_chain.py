# The tamper-evident chain (hushpost/activity/chain.py): the fields, and every
# existing event sealed in the order it was written (time, then id), per
# organization. Reversing drops the fields; nothing else depended on them.

import hashlib
import hmac
import json
from datetime import UTC

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

GENESIS = "0" * 64
REFERENCES = ("contact", "message", "delivery", "link", "actor")


# A frozen copy of chain.canonical() and chain.link_hash() at format 1: the
# app's code may move on, what this migration wrote may not.
def _sealed(event) -> str:
    content = {
        "v": 1,
        "org": event.organization_id,
        "seq": event.seq,
        "kind": str(event.kind),
        "at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_label": event.actor_label,
        "detail": event.detail,
        **{
            name: None
            if getattr(event, f"{name}_id") is None
            else str(getattr(event, f"{name}_id"))
            for name in REFERENCES
        },
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def seal_existing(apps, schema_editor):
    Event = apps.get_model("activity", "Event")
    ChainHead = apps.get_model("activity", "ChainHead")
    db = schema_editor.connection.alias
    organizations = (
        Event.objects.using(db).order_by().values_list("organization_id", flat=True).distinct()
    )
    for organization_id in list(organizations):
        label = f"hushpost.activity.chain:{organization_id}".encode()
        key = hmac.new(settings.SECRET_KEY.encode(), label, hashlib.sha256).digest()
        seq, prev_hash, batch = 0, GENESIS, []
        events = (
            Event.objects.using(db)
            .filter(organization_id=organization_id)
            .order_by("created_at", "id")
            .iterator(chunk_size=1000)
        )
        for event in events:
            seq += 1
            event.seq, event.prev_hash = seq, prev_hash
            event.sealed = _sealed(event)
            event.hash = prev_hash = hmac.new(
                key, f"{event.prev_hash}\n{event.sealed}".encode(), hashlib.sha256
            ).hexdigest()
            batch.append(event)
            if len(batch) == 1000:
                Event.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "sealed", "hash"])
                batch = []
        Event.objects.using(db).bulk_update(batch, ["seq", "prev_hash", "sealed", "hash"])
        ChainHead.objects.using(db).create(organization_id=organization_id, seq=seq, hash=prev_hash)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_user_time_zone"),
        ("activity", "0007_inbox_and_reveal_event_kinds"),
    ]

    operations = [
        migrations.CreateModel(
            name="ChainHead",
            fields=[
                (
                    "organization",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="accounts.organization",
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(default=GENESIS, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name="event",
            name="hash",
            field=models.CharField(default="", max_length=64),
        ),
        migrations.AddField(
            model_name="event",
            name="prev_hash",
            field=models.CharField(default=GENESIS, max_length=64),
        ),
        migrations.AddField(
            model_name="event",
            name="sealed",
            field=models.TextField(default=""),
        ),
        migrations.AddField(
            model_name="event",
            name="seq",
            field=models.PositiveBigIntegerField(default=0),
        ),
        migrations.RunPython(seal_existing, migrations.RunPython.noop, elidable=False),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(
                fields=("organization", "seq"), name="one_event_per_chain_place"
            ),
        ),
    ]
