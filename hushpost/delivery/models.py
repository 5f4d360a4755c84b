from __future__ import annotations

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hushpost.accounts.models import OrgScopedQuerySet
from hushpost.crypto.encrypted_attributes import EncryptedText


class Channel(models.TextChoices):
    SMS = "sms", pgettext_lazy("staff", "Text message")
    EMAIL = "email", pgettext_lazy("staff", "Email")
    VOICE = "voice", pgettext_lazy("staff", "Voice call")


# The outbox predates deliveries; its channel names are the same.
OutboxChannel = Channel


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("staff", "Queued")
    SENDING = "sending", pgettext_lazy("staff", "Sending")
    SENT = "sent", pgettext_lazy("staff", "Sent")
    DELIVERED = "delivered", pgettext_lazy("staff", "Delivered")
    FAILED = "failed", pgettext_lazy("staff", "Failed")
    HELD = "held", pgettext_lazy("staff", "Held back")


class Provider(models.TextChoices):
    """Who took the message: the channel's provider, or the email service behind
    django-anymail (the names HUSHPOST_EMAIL_ESP takes)."""

    OUTBOX = "outbox", pgettext_lazy("staff", "Development outbox")
    TWILIO = "twilio", "Twilio"
    SMTP = "smtp", pgettext_lazy("staff", "SMTP server")
    POSTMARK = "postmark", "Postmark"
    MAILGUN = "mailgun", "Mailgun"


# What a person has to look at: the provider refused it, or it was never sent.
NEEDS_A_PERSON = (DeliveryStatus.FAILED, DeliveryStatus.HELD)
IN_PROGRESS = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)


class DeliveryQuerySet(OrgScopedQuerySet):
    def needing_attention(self, since=None) -> DeliveryQuerySet:
        found = self.filter(status__in=NEEDS_A_PERSON)
        return found.filter(created_at__gte=since) if since is not None else found


class Delivery(models.Model):
    """One notification (or non-secure message) to one contact on one channel.

    What goes to the provider is stored encrypted: for a secure message it is
    the notification holding the link, never the message itself. Status moves
    queued → sending → sent → delivered, or to failed; held means it was never
    sent because of something known beforehand (opted out, no address, …).
    Only lifecycle.py changes the status (its TRANSITIONS table).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Every index is written on each of a delivery's moves: none that another covers.
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # (organization, -created_at) below serves it
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="deliveries"
    )
    # Named by label: delivery sits below messaging and never imports it.
    message = models.ForeignKey(
        "messaging.Message",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    link = models.ForeignKey(
        "messaging.SecureLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
    )
    # The send it is part of (compose, API); none for automated and portal ones.
    send = models.ForeignKey(
        "messaging.Send",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="deliveries",
        db_index=False,  # the (send, …) indexes below serve it
    )
    channel = models.CharField(max_length=8, choices=Channel.choices)
    to = models.CharField(
        max_length=320, blank=True, help_text="E.164 phone or email address at the time of sending."
    )
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )  # the queue's (status, …) and the send's (send, status) indexes serve it
    reason = models.TextField(
        blank=True, help_text="Why it was held back or failed, readable by staff."
    )
    provider = models.CharField(max_length=20, choices=Provider.choices, blank=True)
    provider_id = models.CharField(max_length=100, blank=True)  # indexed below
    provider_status = models.CharField(max_length=40, blank=True)
    error_code = models.CharField(max_length=20, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The table is the send queue: workers claim queued rows whose next attempt is due.
    next_attempt_at = models.DateTimeField(default=timezone.now)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    # The worker that holds (or last held) the claim, and the id of the request or
    # scheduler tick that queued it, which the worker's log lines carry.
    claimed_by = models.CharField(max_length=64, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # One row per attempt: {"at", "attempt", "error", "retry_at"} — no content.
    attempt_log = models.JSONField(default=list, blank=True)
    idempotency_key = models.CharField(max_length=200, unique=True)
    # Bulk (non-secure automated or many-recipient) email carries List-Unsubscribe headers.
    bulk = models.BooleanField(default=False)
    # Voice only: the call ends asking to press 1 to confirm, 2 if they can't
    # come (the keypress reaches the gather URL the channel is given).
    ask_keypress = models.BooleanField(default=False)
    # Email only: every sign of an open after the first, which alone is logged (R7.2).
    repeat_opens = models.PositiveIntegerField(default=0)
    subject_encrypted = models.TextField(blank=True)
    body_encrypted = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    subject = EncryptedText(
        "subject_encrypted", binding=lambda d: f"org={d.organization_id}|id={d.id}"
    )
    body = EncryptedText("body_encrypted", binding=lambda d: f"org={d.organization_id}|id={d.id}")

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "deliveries"
        indexes = [
            # The send queue (lifecycle.claim_due): due rows in due order, then queue order.
            models.Index(
                fields=["status", "next_attempt_at", "created_at"], name="delivery_queue_idx"
            ),
            models.Index(fields=["organization", "-created_at"]),
            # A provider's report names its message id (a plain index: PostgreSQL's
            # db_index would add a second one for LIKE, which nothing asks).
            models.Index(fields=["provider_id"], name="delivery_provider_id_idx"),
            # A send's counts per status, and its deliveries page by page.
            models.Index(fields=["send", "status"]),
            models.Index(fields=["send", "created_at", "id"]),
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.to} ({self.status})"

    @property
    def status_label(self) -> str:
        """ "Sent to the outbox" rather than "Sent" where nobody received it (lifecycle.py)."""
        from hushpost.delivery.lifecycle import status_label

        return status_label(self.status, self.provider)


class SendRate(models.Model):
    """Where a rate-limited sender's shared schedule stands (rate_limit.py, without Redis):
    the next free sending slot, in seconds since the epoch."""

    key = models.CharField(max_length=200, unique=True)
    next_at = models.FloatField(default=0.0)

    def __str__(self) -> str:
        return self.key


class OutboxEntry(models.Model):
    """What the development outbox "sent" when no provider is configured."""

    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="outbox",
    )
    delivery = models.ForeignKey(
        Delivery, on_delete=models.SET_NULL, null=True, blank=True, related_name="outbox_entries"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    to = models.CharField(max_length=320)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    html_body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "outbox entries"

    def __str__(self) -> str:
        return f"{self.channel} to {self.to}"
