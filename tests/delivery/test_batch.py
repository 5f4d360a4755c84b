"""The worker's batches (delivery/batch.py): claimed together, sent on several threads
over kept-alive connections to the Twilio stand-in, recorded together — with the same
outcomes, events and webhooks as one send at a time."""

from __future__ import annotations

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.delivery import lifecycle
from hushpost.delivery.batch import BatchSender
from hushpost.delivery.lifecycle import Move
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.webhooks.models import WebhookMessage
from tests.twilio_standin import Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sender():
    sender = BatchSender(concurrency=4)
    yield sender
    sender.close()


def texts(queue, count: int, prefix: str = "batch") -> list[Delivery]:
    return [
        queue(body=f"Open https://h.example/s/{prefix}-{i}", key=f"{prefix}:{i}")
        for i in range(count)
    ]


def test_a_batch_is_sent_once_each_with_the_events_of_a_single_send(queue, sender, twilio_standin):
    deliveries = texts(queue, 20)
    sent = sender.send_batch([str(d.pk) for d in deliveries])
    assert sent == {str(d.pk) for d in deliveries}
    stored = {d.pk: d for d in Delivery.objects.filter(pk__in=[d.pk for d in deliveries])}
    assert {d.status for d in stored.values()} == {DeliveryStatus.SENT}
    assert sorted(m["body"] for m in twilio_standin.sent) == sorted(d.body for d in deliveries)
    by_sid = {m["sid"]: m["body"] for m in twilio_standin.sent}
    for delivery in stored.values():
        assert by_sid[delivery.provider_id] == delivery.body  # each row got its own message's id
        assert delivery.attempts == 1 and delivery.lease_expires_at is None
    events = Event.objects.filter(kind=EventKind.SENT, delivery__in=deliveries)
    assert events.count() == 20
    for event in events:
        assert event.detail == {
            "channel": "sms",
            "attempt": 1,
            "provider": "twilio",
            "provider_id": stored[event.delivery_id].provider_id,
        }
    # A second batch of the same ids finds nothing to claim and sends nothing.
    assert sender.send_batch([str(d.pk) for d in deliveries]) == set()
    assert len(twilio_standin.sent) == 20


def test_failures_and_holds_in_a_batch_take_their_own_paths(queue, jane, sender, twilio_standin):
    deliveries = texts(queue, 6)
    twilio_standin.script(Reply(503), Reply.error(400, 21211, "The 'To' number is not valid."))
    # Revoked or opted out after queueing: why_held is read fresh at the claim.
    jane.__class__.objects.filter(pk=jane.pk).update(sms_opt_out=True)
    sent = sender.send_batch([str(d.pk) for d in deliveries])
    assert sent == set()
    assert set(
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("status", flat=True)
    ) == {DeliveryStatus.HELD}
    assert twilio_standin.sent == []
    jane.__class__.objects.filter(pk=jane.pk).update(sms_opt_out=False)
    more = texts(queue, 4, prefix="more")
    sent = sender.send_batch([str(d.pk) for d in more])
    statuses = sorted(
        Delivery.objects.filter(pk__in=[d.pk for d in more]).values_list("status", flat=True)
    )
    assert statuses == ["failed", "queued", "sent", "sent"]
    assert len(sent) == 2
    retried = Delivery.objects.get(pk__in=[d.pk for d in more], status=DeliveryStatus.QUEUED)
    assert "unavailable (503)" in retried.attempt_log[-1]["error"]
    assert retried.next_attempt_at > timezone.now()


def test_apply_many_moves_only_rows_still_under_their_claim(queue):
    first, second = texts(queue, 2)
    claimed = lifecycle.claim_batch([first.pk, second.pk])
    assert {d.pk for d in claimed} == {first.pk, second.pk}
    assert lifecycle.claim_batch([first.pk, second.pk]) == []  # already ours
    # A staff action or a sweep moved the second on meanwhile (its attempt is not ours).
    Delivery.objects.filter(pk=second.pk).update(attempts=5)
    now = timezone.now()
    items = [
        (d, {"provider_id": f"SM{i}", "sent_at": now}, {"attempt": d.attempts})
        for i, d in enumerate(claimed)
    ]
    moved = lifecycle.apply_many(Move.ACCEPT, items, now=now)
    assert [d.pk for d in moved] == [first.pk]
    assert Delivery.objects.get(pk=first.pk).status == DeliveryStatus.SENT
    assert Delivery.objects.get(pk=second.pk).status == DeliveryStatus.SENDING
    assert Event.objects.filter(kind=EventKind.SENT).count() == 1


def test_events_recorded_together_reach_the_webhooks_outbox(
    org_a, queue, sender, twilio_standin, receiver
):
    from hushpost.webhooks.endpoints import create_endpoint

    endpoint, _secret = create_endpoint(org_a, url=receiver.url, events=["*"], description="EHR")
    deliveries = texts(queue, 3)
    WebhookMessage.objects.all().delete()  # the "queued" events' rows
    sender.send_batch([str(d.pk) for d in deliveries])
    rows = WebhookMessage.objects.filter(endpoint=endpoint, event_type=EventKind.SENT)
    assert rows.count() == 3
    assert {str(row.event.delivery_id) for row in rows} == {str(d.pk) for d in deliveries}
    assert all(row.webhook_id == str(row.event_id) for row in rows)
