"""The outbox: one row per (endpoint, event), written with the event.

`activity.log.record()` saves every event inside a transaction; the
post_save receiver below adds a `WebhookMessage` for each enabled endpoint of
the organization that subscribed to the kind, in that same transaction. If
the business transaction rolls back, so do its webhooks; once it commits,
nothing can lose them — the sender finds due rows by polling, so there is
no task to enqueue and none to lose.
"""

from __future__ import annotations

from django.utils import timezone

from hushpost.activity.models import Event
from hushpost.webhooks.models import WebhookEndpoint, WebhookMessage
from hushpost.webhooks.payloads import event_payload


def on_event_saved(sender, instance: Event, created: bool, raw: bool = False, **kwargs) -> None:
    if created and not raw:
        write_outbox(instance)


def on_events_recorded(sender, events: list[Event], **kwargs) -> None:
    """The same for events saved together (activity.log.record_many): the
    endpoints are read once per organization, the rows written in one INSERT."""
    endpoints: dict[int, list[WebhookEndpoint]] = {}
    rows: list[WebhookMessage] = []
    now = timezone.now()
    for event in events:
        if event.organization_id not in endpoints:
            endpoints[event.organization_id] = list(
                WebhookEndpoint.objects.filter(organization_id=event.organization_id, enabled=True)
            )
        rows.extend(_messages(event, endpoints[event.organization_id], now))
    WebhookMessage.objects.bulk_create(rows)


def write_outbox(event: Event) -> list[WebhookMessage]:
    endpoints = WebhookEndpoint.objects.filter(organization_id=event.organization_id, enabled=True)
    return WebhookMessage.objects.bulk_create(_messages(event, endpoints, timezone.now()))


def _messages(event: Event, endpoints, now) -> list[WebhookMessage]:
    wanted = [endpoint for endpoint in endpoints if endpoint.wants(event.kind)]
    if not wanted:
        return []
    payload = event_payload(event, event.organization.slug)
    return [
        WebhookMessage(
            organization_id=event.organization_id,
            endpoint=endpoint,
            event=event,
            webhook_id=str(event.pk),
            event_type=event.kind,
            payload=payload,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
        for endpoint in wanted
    ]
