from __future__ import annotations

from django.db import models
from django.utils import timezone


class OutboxChannel(models.TextChoices):
    SMS = "sms", "Text"
    EMAIL = "email", "Email"
    VOICE = "voice", "Voice"


class OutboxEntry(models.Model):
    """What the development outbox "sent" when no provider is configured."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, null=True, blank=True, related_name="outbox"
    )
    channel = models.CharField(max_length=10, choices=OutboxChannel.choices)
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
