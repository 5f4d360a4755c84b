"""bulk_insert.insert_rows writes what bulk_create writes, and hands back saved rows."""

import datetime

import pytest
from django.db import connection, models
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.bulk_insert import insert_rows
from hushpost.messaging.models import Send
from hushpost.webhooks.endpoints import create_endpoint
from hushpost.webhooks.models import WebhookMessage

pytestmark = pytest.mark.django_db


def _send(org, alice, **extra) -> Send:
    return Send(
        organization=org,
        created_by=alice,
        actor_label="alice@riverside.example",
        channel="sms",
        secure=True,
        created_at=timezone.now() - datetime.timedelta(minutes=3),
        recipients=2,
        recipient_ids={"contacts": ["a", "b"], "note": "ünïcode"},
        **extra,
    )


def _stored(model, pk) -> dict:
    row = model.objects.get(pk=pk)
    return {
        f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields if not f.primary_key
    }


def _outbox_row(org, endpoint, event: Event) -> WebhookMessage:
    return WebhookMessage(
        organization_id=org.pk,
        endpoint=endpoint,
        event=event,
        webhook_id="w1",
        event_type=EventKind.QUEUED,
        payload={},
        next_attempt_at=timezone.now(),
    )


def test_a_row_reads_back_exactly_as_bulk_create_writes_it(org_a, alice):
    ours, django = _send(org_a, alice), _send(org_a, alice)
    django.created_at = ours.created_at
    [saved] = insert_rows(Send, [ours])
    models.QuerySet(Send).bulk_create([django])
    assert saved is ours and not ours._state.adding and ours._state.db == "default"
    assert _stored(Send, ours.pk) == _stored(Send, django.pk)
    assert _stored(Send, ours.pk)["recipient_ids"] == {"contacts": ["a", "b"], "note": "ünïcode"}


def test_generated_keys_come_back_in_order_across_batches(org_a, jane, monkeypatch):
    # Three rows per INSERT, so ten events take four statements.
    monkeypatch.setattr(connection.ops, "bulk_batch_size", lambda fields, objs: 3)
    events = [
        Event(organization=org_a, contact=jane, kind=EventKind.QUEUED, detail={"n": n})
        for n in range(10)
    ]
    saved = Event.objects.bulk_create(events)  # sealed, then insert_rows
    assert saved == events
    keys = [event.pk for event in events]
    assert None not in keys and keys == sorted(keys) and len(set(keys)) == 10
    for event in events:
        stored = Event.objects.get(pk=event.pk)
        assert (stored.detail, stored.seq, stored.hash) == (event.detail, event.seq, event.hash)


def test_a_related_row_saved_after_it_was_assigned_gives_its_key(org_a, receiver):
    # An event gets its key when inserted; the outbox row was made before that.
    endpoint, _ = create_endpoint(org_a, url=receiver.url, events=["*"], description="EHR")
    event = Event(organization=org_a, kind=EventKind.QUEUED)
    message = _outbox_row(org_a, endpoint, event)
    assert message.event_id is None
    Event.objects.bulk_create([event])
    insert_rows(WebhookMessage, [message])
    assert WebhookMessage.objects.get(pk=message.pk).event_id == event.pk is not None


def test_what_it_cannot_write_is_refused_and_nothing_is_stored(org_a, receiver):
    event = Event(organization=org_a, kind=EventKind.QUEUED)
    event.pk = 12345
    with pytest.raises(ValueError, match="key set: use bulk_create"):
        insert_rows(Event, [event])
    endpoint, _ = create_endpoint(org_a, url=receiver.url, events=["*"], description="EHR")
    never_saved = Event(organization=org_a, kind=EventKind.QUEUED)
    message = _outbox_row(org_a, endpoint, never_saved)
    with pytest.raises(ValueError, match="event is an unsaved object"):
        insert_rows(WebhookMessage, [message])
    assert not Event.objects.filter(kind=EventKind.QUEUED).exists()
    assert not WebhookMessage.objects.filter(webhook_id="w1").exists()
