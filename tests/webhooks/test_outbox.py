"""The outbox: a row per (endpoint, event), written in the event's own transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.webhooks.endpoints import clean_events, create_endpoint, update_endpoint
from hushpost.webhooks.models import WebhookMessage

pytestmark = pytest.mark.django_db


def test_an_event_writes_one_row_per_subscribed_endpoint(org_a, org_b, jane, receiver):
    every, _ = create_endpoint(org_a, url=receiver.url, events=["*"])
    sent_only, _ = create_endpoint(org_a, url=receiver.url, events=["sent", "delivered"])
    create_endpoint(org_a, url=receiver.url, events=["reply_received"])
    theirs, _ = create_endpoint(org_b, url=receiver.url, events=["*"])
    before = WebhookMessage.objects.count()  # creating endpoints logs settings_changed
    event = record(org_a, EventKind.SENT, contact=jane, channel="sms")
    rows = WebhookMessage.objects.filter(event=event)
    assert {row.endpoint_id for row in rows} == {every.pk, sent_only.pk}
    assert WebhookMessage.objects.count() == before + 2
    assert not WebhookMessage.objects.filter(endpoint=theirs, event=event).exists()
    row = rows.first()
    assert (row.webhook_id, row.event_type, row.status) == (str(event.pk), "sent", "pending")
    assert row.payload["data"]["contact_id"] == str(jane.pk)


def test_a_rolled_back_event_leaves_no_webhook(org_a, jane, endpoint):
    before = WebhookMessage.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        record(org_a, EventKind.SENT, contact=jane)
        assert WebhookMessage.objects.count() == before + 1
        raise RuntimeError("the send failed after the event")
    assert WebhookMessage.objects.count() == before


def test_a_turned_off_endpoint_gets_nothing_new(org_a, jane, endpoint):
    update_endpoint(endpoint[0], enabled=False)
    before = WebhookMessage.objects.count()
    record(org_a, EventKind.SENT, contact=jane)
    assert WebhookMessage.objects.count() == before


def test_every_event_kind_can_be_subscribed_to():
    assert clean_events(EventKind.values) == list(EventKind.values)
    assert clean_events(["sent", "*"]) == ["*"]
    assert clean_events(["sent", "sent", "held"]) == ["sent", "held"]
    with pytest.raises(ValueError, match="Unknown event kinds: sms_sent"):
        clean_events(["sms_sent"])
    with pytest.raises(ValueError, match="at least one"):
        clean_events([])
