"""Webhook endpoints, the outbox of messages to them, and every attempt to send one.

The outbox row (`WebhookMessage`) is written in the transaction of the event
it announces, so a crash loses nothing; the sender claims due rows with a
conditional UPDATE, as delivery does, and writes each try down as a
`WebhookAttempt`.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hushpost.accounts.models import Organization, OrgScopedQuerySet
from hushpost.crypto.encrypted_attributes import EncryptedText

ALL_EVENTS = "*"


class WebhookEndpoint(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # Event kinds (EventKind values), or ["*"] for every kind, present and future.
    events = models.JSONField(default=list)
    enabled = models.BooleanField(default=True)
    # The signing secret ("whsec_" + base64), encrypted at rest: it must be read
    # to sign. After a rotation the previous one also signs until it expires.
    secret_encrypted = models.TextField()
    previous_secret_encrypted = models.TextField(blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    # Since when every attempt has failed (None while the last one succeeded);
    # five days of it disable the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    secret = EncryptedText(
        "secret_encrypted", binding=lambda e: f"org={e.organization_id}|id={e.id}"
    )
    previous_secret = EncryptedText(
        "previous_secret_encrypted", binding=lambda e: f"org={e.organization_id}|id={e.id}"
    )

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["organization", "enabled"])]

    def __str__(self) -> str:
        return self.url

    def wants(self, kind: str) -> bool:
        return ALL_EVENTS in self.events or kind in self.events


class MessageStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("staff", "Waiting to be sent")
    SENDING = "sending", pgettext_lazy("staff", "Sending")
    SUCCEEDED = "succeeded", pgettext_lazy("staff", "Delivered")
    FAILED = "failed", pgettext_lazy("staff", "Gave up")


class WebhookMessage(models.Model):
    """One event for one endpoint: the outbox row, retried until it succeeds or gives up."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_messages"
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="messages")
    # None for a test message; events are append-only, so the row outlives nothing.
    event = models.ForeignKey(
        "activity.Event", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # The webhook-id header: the event's id, the same on every try and replay,
    # so a receiver can drop a repeat.
    webhook_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=60)
    # What is sent: ids and states only (payloads.py), fixed when the event happens.
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    # Index into the retry schedule of the next try; a replay starts it again.
    schedule_step = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=models.Q(event__isnull=False),
                name="webhook_message_once_per_endpoint_and_event",
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["endpoint", "status"]),
        ]


class WebhookAttempt(models.Model):
    """One HTTP request to an endpoint and what came of it."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="webhook_attempts"
    )
    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="attempts")
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="tries")
    attempted_at = models.DateTimeField(default=timezone.now)
    succeeded = models.BooleanField(default=False)
    # None when no HTTP answer came (refused address, timeout, connection error).
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    # When the message will be tried again after this attempt; None when it won't.
    next_attempt_at = models.DateTimeField(null=True, blank=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-attempted_at", "-id"]
        indexes = [models.Index(fields=["endpoint", "-attempted_at"])]
