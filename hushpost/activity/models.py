"""The activity log: an append-only record of what happened, per organization.

This app imports no other Hushpost app; it names their models by label.
Details stay small and never hold message content, PINs or link tokens.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hushpost.activity.chain import GENESIS, seal
from hushpost.bulk_insert import insert_rows


class EventKind(models.TextChoices):
    # The message lifecycle (R7.1); the round-trip issue records these.
    QUEUED = "queued", pgettext_lazy("staff", "Queued")
    SENT = "sent", pgettext_lazy("staff", "Sent")
    DELIVERED = "delivered", pgettext_lazy("staff", "Delivered")
    FAILED = "failed", pgettext_lazy("staff", "Failed")
    HELD = "held", pgettext_lazy("staff", "Held back")
    EMAIL_OPENED = "email_opened", pgettext_lazy("staff", "Email opened")
    LINK_CLICKED = "link_clicked", pgettext_lazy("staff", "Link clicked")
    # R12: a visit that looks like a mail scanner or chat preview, not a person.
    LINK_PREFETCHED = (
        "link_prefetched",
        pgettext_lazy("staff", "Link fetched by a scanner or preview"),
    )
    PIN_ENTERED = "pin_entered", pgettext_lazy("staff", "PIN entered")
    PIN_WRONG = "pin_wrong", pgettext_lazy("staff", "PIN wrong")
    LINK_LOCKED = "link_locked", pgettext_lazy("staff", "Link locked")
    EXPIRED_LINK_VISITED = "expired_link_visited", pgettext_lazy("staff", "Expired link visited")
    NEW_LINK_REQUESTED = "new_link_requested", pgettext_lazy("staff", "New link requested")
    NEW_LINK_OTHER_CHANNEL = (
        "new_link_other_channel",
        pgettext_lazy("staff", "New link requested by the other channel"),
    )
    MESSAGE_VIEWED = "message_viewed", pgettext_lazy("staff", "Message viewed")
    REPLY_RECEIVED = "reply_received", pgettext_lazy("staff", "Reply received")
    SMS_OPTED_OUT = "sms_opted_out", pgettext_lazy("staff", "Opted out of texts")
    SMS_OPTED_IN = "sms_opted_in", pgettext_lazy("staff", "Opted back in to texts")
    EMAIL_BOUNCED = "email_bounced", pgettext_lazy("staff", "Email bounced")
    EMAIL_COMPLAINED = "email_complained", pgettext_lazy("staff", "Email marked as spam")
    EMAIL_OPTED_OUT = "email_opted_out", pgettext_lazy("staff", "Opted out of email")
    DELIVERY_RECONCILED = (
        "delivery_reconciled",
        pgettext_lazy("staff", "Delivery checked with the provider"),
    )
    STAFF_VIEWED_CONVERSATION = (
        "staff_viewed_conversation",
        pgettext_lazy("staff", "Staff viewed conversation"),
    )
    # The Inbox's work: who answers a conversation and whether it is handled.
    CONVERSATION_ASSIGNED = "conversation_assigned", pgettext_lazy("staff", "Conversation assigned")
    CONVERSATION_DONE = "conversation_done", pgettext_lazy("staff", "Conversation marked done")
    CONVERSATION_REOPENED = "conversation_reopened", pgettext_lazy("staff", "Conversation reopened")
    # A masked PIN or sensitive custom field shown in clear to a staff member.
    SENSITIVE_VALUE_REVEALED = (
        "sensitive_value_revealed",
        pgettext_lazy("staff", "Sensitive value revealed"),
    )
    # Staff changes.
    CONTACT_CREATED = "contact_created", pgettext_lazy("staff", "Contact created")
    CONTACT_UPDATED = "contact_updated", pgettext_lazy("staff", "Contact updated")
    CONTACT_DELETED = "contact_deleted", pgettext_lazy("staff", "Contact deleted")
    CONTACTS_IMPORTED = "contacts_imported", pgettext_lazy("staff", "Contacts imported")
    SETTINGS_CHANGED = "settings_changed", pgettext_lazy("staff", "Settings changed")
    FIELDS_CHANGED = "fields_changed", pgettext_lazy("staff", "Fields changed")
    USER_CHANGED = "user_changed", pgettext_lazy("staff", "Staff user changed")
    SIGNED_IN = "signed_in", pgettext_lazy("staff", "Signed in")
    SIGNED_OUT = "signed_out", pgettext_lazy("staff", "Signed out")
    SIGN_IN_FAILED = "sign_in_failed", pgettext_lazy("staff", "Sign-in failed")
    SIGN_IN_LOCKED = "sign_in_locked", pgettext_lazy("staff", "Sign-in locked")
    SIGNED_OUT_EVERYWHERE = "signed_out_everywhere", pgettext_lazy("staff", "Signed out everywhere")
    TWO_FACTOR_ENABLED = "two_factor_enabled", pgettext_lazy("staff", "Two-factor enabled")
    TWO_FACTOR_DISABLED = "two_factor_disabled", pgettext_lazy("staff", "Two-factor disabled")
    ACTIVITY_EXPORTED = "activity_exported", pgettext_lazy("staff", "Activity exported")
    DATA_PURGED = "data_purged", pgettext_lazy("staff", "Old data purged")
    API_KEY_CREATED = "api_key_created", pgettext_lazy("staff", "API key created")
    API_KEY_REVOKED = "api_key_revoked", pgettext_lazy("staff", "API key revoked")
    LINK_REVOKED = "link_revoked", pgettext_lazy("staff", "Link revoked")
    LINK_UNLOCKED = "link_unlocked", pgettext_lazy("staff", "Link unlocked")
    # Appointments.
    APPOINTMENT_CREATED = "appointment_created", pgettext_lazy("staff", "Appointment created")
    APPOINTMENT_UPDATED = "appointment_updated", pgettext_lazy("staff", "Appointment updated")
    APPOINTMENT_CANCELLED = "appointment_cancelled", pgettext_lazy("staff", "Appointment cancelled")
    APPOINTMENT_DELETED = "appointment_deleted", pgettext_lazy("staff", "Appointment deleted")
    APPOINTMENTS_IMPORTED = "appointments_imported", pgettext_lazy("staff", "Appointments imported")
    # Issue 15: the contact's answer to a reminder (or staff confirming for them).
    APPOINTMENT_CONFIRMED = "appointment_confirmed", pgettext_lazy("staff", "Appointment confirmed")
    APPOINTMENT_CANCEL_REQUESTED = (
        "appointment_cancel_requested",
        pgettext_lazy("staff", "Contact can't come"),
    )


class AppendOnlyError(Exception):
    """The activity log is append-only."""


class EventQuerySet(models.QuerySet):
    def for_org(self, organization) -> EventQuerySet:
        return self.filter(organization=organization)

    def update(self, **kwargs):
        raise AppendOnlyError("activity events cannot be changed")

    def delete(self):
        raise AppendOnlyError("activity events cannot be deleted")

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        with transaction.atomic(using=self.db, savepoint=False):
            seal(objs)
            if args or kwargs:
                return super().bulk_create(objs, *args, **kwargs)
            # Events are written in thousands (one per delivery moved): the fast INSERT.
            return insert_rows(Event, objs, using=self.db)


class Event(models.Model):
    # An event is written for nearly every move of a delivery: no index that another covers.
    organization = models.ForeignKey(
        "accounts.Organization",
        on_delete=models.CASCADE,
        related_name="events",
        db_index=False,  # (organization, -created_at) serves it
    )
    # SET_NULL keeps the history of a deleted contact (its contact_deleted event says who it was).
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        db_index=False,  # (contact, -created_at) serves it
    )
    message = models.ForeignKey(
        "messaging.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    delivery = models.ForeignKey(
        "delivery.Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="events"
    )
    link = models.ForeignKey(
        "messaging.SecureLink",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
    )
    kind = models.CharField(max_length=40, choices=EventKind.choices)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    # Who acted, kept even when the staff user is deleted: an email, "system", "api: <key name>".
    actor_label = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    # The tamper-evident chain (activity/chain.py): set when the event is inserted.
    seq = models.PositiveBigIntegerField(default=0)
    prev_hash = models.CharField(max_length=64, default=GENESIS)
    sealed = models.TextField(default="")
    hash = models.CharField(max_length=64, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["organization", "kind", "-created_at"]),
            models.Index(fields=["contact", "-created_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "seq"], name="one_event_per_chain_place"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            raise AppendOnlyError("activity events cannot be changed")
        with transaction.atomic(using=kwargs.get("using")):
            seal([self])
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("activity events cannot be deleted")

    @property
    def summary(self) -> str:
        """A short readable line from the detail, for the log page and CSV."""
        return "; ".join(f"{key}: {value}" for key, value in sorted(self.detail.items()))

    @property
    def summary_without_ip(self) -> str:
        """The summary for staff who aren't owners: where someone acted from is for owners only."""
        return "; ".join(
            f"{key}: {value}" for key, value in sorted(self.detail.items()) if key != "ip"
        )


class ChainHead(models.Model):
    """Where each organization's chain ends; locked while an event is sealed."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS)
