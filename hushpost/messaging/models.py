from __future__ import annotations

from datetime import timedelta

from django.db import models
from django.utils import timezone

from hushpost.accounts.models import Organization
from hushpost.crypto.fields import EncryptedText

DEFAULT_SUBJECT = "You've received a secure message from {{ user.name_and_company }}"
DEFAULT_BODY = (
    "You've received a secure message from {{ user.name_and_company }}, "
    "click here to view the conversation: {{ secure_link }}"
)


class LinkLifetime(models.TextChoices):
    HOURS_24 = "24h", "24 hours"
    DAYS_10 = "10d", "10 days"
    MONTHS_6 = "6mo", "6 months"
    YEAR_1 = "1y", "1 year"


LIFETIMES = {
    LinkLifetime.HOURS_24: timedelta(hours=24),
    LinkLifetime.DAYS_10: timedelta(days=10),
    # Calendar months vary; links last a fixed span so expiry is predictable.
    LinkLifetime.MONTHS_6: timedelta(days=183),
    LinkLifetime.YEAR_1: timedelta(days=365),
}


class SecureMessagingSettingsQuerySet(models.QuerySet):
    def for_org(self, organization: Organization) -> SecureMessagingSettings:
        obj, _ = self.get_or_create(organization=organization)
        return obj


class SecureMessagingSettings(models.Model):
    """R1: one row per organization, created with the defaults on first use."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="secure_messaging_settings"
    )
    enabled = models.BooleanField("Enable secure messaging", default=False)
    subject = models.CharField("Notification subject (email)", max_length=500, default=DEFAULT_SUBJECT)
    body = models.TextField("Notification body", default=DEFAULT_BODY)
    link_lifetime = models.CharField(max_length=4, choices=LinkLifetime.choices, default=LinkLifetime.HOURS_24)
    # A literal PIN or a Liquid template over the contact's fields; encrypted at rest
    # because a literal default PIN is a shared secret.
    default_pin_encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SecureMessagingSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "secure messaging settings"

    default_pin = EncryptedText("default_pin_encrypted", binding=lambda s: f"org={s.organization_id}", strip=True)

    @property
    def lifetime(self) -> timedelta:
        return LIFETIMES[LinkLifetime(self.link_lifetime)]
