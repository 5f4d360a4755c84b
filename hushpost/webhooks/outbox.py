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


def write_outbox(event: Event) -> list[WebhookMessage]:
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(
            organization_id=event.organization_id, enabled=True
        )
        if endpoint.wants(event.kind)
    ]
    if not endpoints:
        return []
    payload = event_payload(event, event.organization.slug)
    now = timezone.now()
    return WebhookMessage.objects.bulk_create(
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
        for endpoint in endpoints
    )
