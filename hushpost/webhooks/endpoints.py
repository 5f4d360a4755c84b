"""Managing webhook endpoints: the rules the API and the staff page share.

Every change is checked here (the URL through the SSRF guard, the event
kinds against EventKind) and logged as `settings_changed` with section
"webhooks". A secret leaves this module only as the return value of
`create_endpoint` and `rotate_secret`; it is never logged.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.outbound.addresses import check_url
from hushpost.outbound.errors import OutboundError
from hushpost.webhooks.models import (
    ALL_EVENTS,
    MessageStatus,
    WebhookAttempt,
    WebhookEndpoint,
    WebhookMessage,
)
from hushpost.webhooks.payloads import TEST_TYPE, ping_payload
from hushpost.webhooks.signing import OVERLAP, new_secret

MAX_DESCRIPTION = WebhookEndpoint._meta.get_field("description").max_length
DISABLED_BY_STAFF = "turned off"


class EndpointInvalid(ValueError):
    """Refused, field by field: `problems` maps "url", "events", "description" to messages."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items()))


class Busy(Exception):
    """The message is being sent right now; a replay would race it."""


def guard_url(url: str) -> str:
    """The URL if it may be called from here (now); OutboundError saying why not."""
    url = (url or "").strip()
    check_url(
        url,
        allow_private=settings.HUSHPOST_WEBHOOKS_ALLOW_PRIVATE,
        require_https=settings.PRODUCTION,
    )
    return url


def clean_events(events: Iterable[str]) -> list[str]:
    """The kinds subscribed to, once each, or ["*"]; ValueError naming unknown kinds."""
    chosen = list(dict.fromkeys(str(kind) for kind in events))
    if not chosen:
        raise ValueError('Choose at least one event, or "*" for every event.')
    if ALL_EVENTS in chosen:
        return [ALL_EVENTS]
    unknown = [kind for kind in chosen if kind not in EventKind.values]
    if unknown:
        raise ValueError(
            f"Unknown event kinds: {', '.join(unknown)}. Use the kinds GET /events lists "
            'and docs/API.md names, or "*" for every event.'
        )
    return chosen


def _checked(url: str | None, events: Iterable[str] | None, description: str | None) -> dict:
    problems: dict[str, list[str]] = {}
    clean: dict = {}
    if url is not None:
        try:
            clean["url"] = guard_url(url)
        except OutboundError as error:
            problems["url"] = [error.reason]
    if events is not None:
        try:
            clean["events"] = clean_events(events)
        except ValueError as error:
            problems["events"] = [str(error)]
    if description is not None:
        clean["description"] = description.strip()
        if len(clean["description"]) > MAX_DESCRIPTION:
            problems["description"] = [f"At most {MAX_DESCRIPTION} characters."]
    if problems:
        raise EndpointInvalid(problems)
    return clean


def _log(endpoint: WebhookEndpoint, change: str, *, actor, actor_label: str, **detail) -> None:
    record(
        endpoint.organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="webhooks",
        change=change,
        endpoint=endpoint.pk,
        **detail,
    )


def create_endpoint(
    organization,
    *,
    url: str,
    events: Iterable[str],
    description: str = "",
    actor=None,
    actor_label: str = "",
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its secret, which is shown once and never again."""
    clean = _checked(url, events, description)
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint(organization=organization, **clean)
        endpoint.secret = secret
        endpoint.save()
        _log(endpoint, "created", actor=actor, actor_label=actor_label)
    return endpoint, secret


def update_endpoint(
    endpoint: WebhookEndpoint,
    *,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    enabled: bool | None = None,
    actor=None,
    actor_label: str = "",
) -> list[str]:
    """Change what is given; returns the names of what changed."""
    clean = _checked(url, events, description)
    if enabled is not None:
        clean["enabled"] = enabled
    changed = [name for name, value in clean.items() if getattr(endpoint, name) != value]
    if not changed:
        return []
    now = timezone.now()
    with transaction.atomic():
        for name in changed:
            setattr(endpoint, name, clean[name])
        if "enabled" in changed:
            # Turned on again: its failures start counting afresh.
            endpoint.failing_since = None
            endpoint.disabled_reason = "" if endpoint.enabled else DISABLED_BY_STAFF
        endpoint.updated_at = now
        endpoint.save()
        if "enabled" in changed and not endpoint.enabled:
            give_up_pending(endpoint, now=now)
        _log(endpoint, "updated", actor=actor, actor_label=actor_label, fields=", ".join(changed))
    return changed


def delete_endpoint(endpoint: WebhookEndpoint, *, actor=None, actor_label: str = "") -> None:
    """The endpoint, its outbox and its attempts go; the log keeps that it existed."""
    with transaction.atomic():
        _log(endpoint, "deleted", actor=actor, actor_label=actor_label)
        endpoint.delete()


def rotate_secret(
    endpoint: WebhookEndpoint, *, actor=None, actor_label: str = "", now: datetime | None = None
) -> str:
    """A new secret; the one it replaces keeps signing (alongside) for OVERLAP."""
    now = now or timezone.now()
    secret = new_secret()
    with transaction.atomic():
        endpoint = WebhookEndpoint.objects.select_for_update().get(pk=endpoint.pk)
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = now + OVERLAP
        endpoint.secret = secret
        endpoint.updated_at = now
        endpoint.save()
        _log(endpoint, "secret rotated", actor=actor, actor_label=actor_label)
    return secret


def send_test(endpoint: WebhookEndpoint, *, now: datetime | None = None) -> WebhookMessage:
    """A `webhook_test` message, sent like any other (even to a turned-off endpoint:
    a test is how staff check it works again)."""
    now = now or timezone.now()
    return WebhookMessage.objects.create(
        organization_id=endpoint.organization_id,
        endpoint=endpoint,
        webhook_id=f"test_{uuid.uuid4().hex}",
        event_type=TEST_TYPE,
        payload=ping_payload(endpoint.pk, endpoint.organization.slug, now),
        next_attempt_at=now,
        created_at=now,
        updated_at=now,
    )


def replay(attempt: WebhookAttempt, *, now: datetime | None = None) -> WebhookMessage:
    """Send the attempt's message again now, with the same webhook-id and a fresh
    retry schedule; Busy while it is being sent."""
    now = now or timezone.now()
    changed = WebhookMessage.objects.filter(
        pk=attempt.message_id,
        status__in=(MessageStatus.PENDING, MessageStatus.SUCCEEDED, MessageStatus.FAILED),
    ).update(
        status=MessageStatus.PENDING,
        schedule_step=0,
        next_attempt_at=now,
        lease_expires_at=None,
        updated_at=now,
    )
    if not changed:
        raise Busy("This message is being sent right now; try again in a few seconds.")
    return WebhookMessage.objects.get(pk=attempt.message_id)


def give_up_pending(endpoint: WebhookEndpoint, *, now: datetime) -> int:
    """Mark what was still waiting for this endpoint as given up (a replay can send it)."""
    return WebhookMessage.objects.filter(endpoint=endpoint, status=MessageStatus.PENDING).update(
        status=MessageStatus.FAILED, next_attempt_at=None, updated_at=now
    )
