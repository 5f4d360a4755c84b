"""Appointments, the message schedule (auto messages), and the due sends that join them.

The schedule is data: for each appointment and each enabled auto message there
is one DueSend with its due time, kept current as either changes, and the
scheduler turns due ones into deliveries. A unique constraint on (appointment,
auto message, anchor) makes a second send for the same appointment time
impossible.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop, pgettext_lazy

from hushpost.accounts.models import Organization, OrgScopedQuerySet
from hushpost.crypto.encrypted_attributes import EncryptedText
from hushpost.delivery.models import Channel


class AppointmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("staff", "Scheduled")
    CONFIRMED = "confirmed", pgettext_lazy("staff", "Confirmed")
    CANCELLED = "cancelled", pgettext_lazy("staff", "Cancelled")
    # The contact said they can't come: a person decides (or, when the
    # organization allows it, the appointment is cancelled at once).
    CANCEL_REQUESTED = "cancel_requested", pgettext_lazy("staff", "Can't come")


class ConfirmedBy(models.TextChoices):
    """Who confirmed: only the contact's own answer counts as "confirmed" for
    messages limited to the unconfirmed."""

    CONTACT = "contact", pgettext_lazy("staff", "The contact")
    STAFF = "staff", pgettext_lazy("staff", "Staff")
    CALENDAR = "calendar", pgettext_lazy("staff", "The calendar")


class AnswerChannel(models.TextChoices):
    """How a confirmation or a "can't come" arrived."""

    SMS = "sms", pgettext_lazy("staff", "Text reply")
    LINK = "link", pgettext_lazy("staff", "Confirmation link")
    PORTAL = "portal", pgettext_lazy("staff", "Secure page")
    VOICE = "voice", pgettext_lazy("staff", "Phone keypress")
    STAFF = "staff", pgettext_lazy("staff", "Staff")
    API = "api", "API"
    CALENDAR = "calendar", pgettext_lazy("staff", "Calendar import")


class Appointment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="appointments"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="appointments"
    )
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    title = models.CharField(max_length=200, blank=True)
    location = models.CharField(max_length=300, blank=True)
    staff = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="appointments",
    )
    status = models.CharField(
        max_length=16, choices=AppointmentStatus.choices, default=AppointmentStatus.SCHEDULED
    )
    # Set while the status is confirmed (and, for "can't come", how it came).
    confirmed_by = models.CharField(max_length=8, choices=ConfirmedBy.choices, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    answered_via = models.CharField(max_length=8, choices=AnswerChannel.choices, blank=True)
    # The id in the system that booked it (an EHR, a calendar UID); unique
    # per organization when set.
    external_id = models.CharField(max_length=255, blank=True)
    # The version of the calendar event it was imported from (SEQUENCE,
    # LAST-MODIFIED): an older version never overwrites a newer one.
    source_sequence = models.IntegerField(null=True, blank=True)
    source_modified_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["start", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "external_id"],
                condition=~Q(external_id=""),
                name="appointment_external_id_unique_per_org",
            ),
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="appointment_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["organization", "start"])]

    def __str__(self) -> str:
        return f"{self.title or 'Appointment'} at {self.start:%Y-%m-%d %H:%M}"

    @property
    def confirmed_by_contact(self) -> bool:
        return (
            self.status == AppointmentStatus.CONFIRMED and self.confirmed_by == ConfirmedBy.CONTACT
        )


class RecurringSeries(models.Model):
    """A recurring calendar event as imported, kept so the scheduler can add its
    occurrences as the horizon moves on (an open-ended series has no last one)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="recurring_series"
    )
    uid = models.CharField(max_length=255)
    # The series' VEVENTs and the VTIMEZONEs they use, as iCalendar text: it
    # names the clients, so it is encrypted like an uploaded file.
    source_encrypted = models.TextField()
    # The zone floating times are in (the calendar's X-WR-TIMEZONE, else the organization's).
    zone = models.CharField(max_length=64, blank=True)
    open_ended = models.BooleanField(default=False)
    # Occurrences starting before this are stored (or were cancelled).
    expanded_until = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "uid"], name="one_recurring_series_per_uid"
            )
        ]
        indexes = [models.Index(fields=["open_ended", "expanded_until"])]

    source = EncryptedText(
        "source_encrypted", binding=lambda s: f"org={s.organization_id}|uid={s.uid}"
    )


class Timing(models.TextChoices):
    BOOKED = "booked", pgettext_lazy("staff", "When booked")
    BEFORE_START = "before_start", pgettext_lazy("staff", "Before the start")
    AFTER_END = "after_end", pgettext_lazy("staff", "After the end")


class AutoMessage(models.Model):
    """One entry of the message schedule (R3.2)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="auto_messages"
    )
    name = models.CharField(max_length=100, blank=True)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    timing = models.CharField(max_length=12, choices=Timing.choices)
    # Minutes before the start or after the end; whole days are counted on the
    # local calendar so daylight-saving changes don't move a "1 day before".
    offset_minutes = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=500, blank=True)
    body = models.TextField()
    enabled = models.BooleanField(default=True)
    secure = models.BooleanField("Send securely", default=False)
    # Checked when the message is due, not when it is scheduled: a contact who
    # confirms the day before gets no "please confirm" nudge that morning.
    only_unconfirmed = models.BooleanField(
        "Only if the contact hasn't confirmed",
        default=False,
        help_text="Skipped for appointments the contact confirmed or said they can't come to.",
    )
    # Voice only: the call ends with "press 1 to confirm, 2 if you can't come".
    ask_to_confirm = models.BooleanField(
        "Ask to press 1 to confirm",
        default=False,
        help_text=(
            "Voice calls only: the call ends asking to press 1 to confirm, 2 if they can't come."
        ),
    )
    # {"es": {"subject": "…", "body": "…"}, …}: what contacts of that language get
    # instead of subject and body (appointments/auto_messages.py checks them alike).
    translations = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["timing", "-offset_minutes", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~(Q(secure=True) & Q(channel="voice")),
                name="auto_message_voice_not_secure",
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"{self.get_channel_display()} {self.get_timing_display().lower()}"


class DueSendStatus(models.TextChoices):
    PENDING = "pending", pgettext_lazy("staff", "Waiting")
    SENT = "sent", pgettext_lazy("staff", "Sent")
    SKIPPED = "skipped", pgettext_lazy("staff", "Skipped")
    FAILED = "failed", pgettext_lazy("staff", "Failed")


class DueSendQuerySet(OrgScopedQuerySet):
    def due(self, now) -> DueSendQuerySet:
        return self.filter(status=DueSendStatus.PENDING, due_at__lte=now)


class DueSend(models.Model):
    """One auto message for one appointment at one appointment time."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="due_sends"
    )
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="due_sends")
    auto_message = models.ForeignKey(
        AutoMessage, on_delete=models.CASCADE, related_name="due_sends"
    )
    # The appointment time this send belongs to (its start; for "when booked",
    # the booking): a reschedule makes a new anchor, a repeat of the same never.
    anchor_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=DueSendStatus.choices, default=DueSendStatus.PENDING
    )
    reason = models.TextField(blank=True)
    send = models.ForeignKey(
        "messaging.Send", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    delivery = models.ForeignKey(
        "delivery.Delivery", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = DueSendQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "auto_message", "anchor_at"],
                name="one_send_per_appointment_time",
            ),
        ]
        indexes = [models.Index(fields=["status", "due_at"])]


class SchedulerLock(models.Model):
    """One row per named lock; the scheduler holds it (SELECT … FOR UPDATE) while it ticks."""

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(max_length=100, blank=True)
    acquired_at = models.DateTimeField(null=True, blank=True)


# The answers' default wording; each organization edits its own (Liquid, with
# contact.* and appointment.*), and answers in the contact's language with
# {% if contact.language == "es" %}.
# Stored as written (English); while an organization keeps one, contacts get it in
# their own language from hushpost/locale/ (text_answers.answer_text).
DEFAULT_CONFIRMED_ANSWER = gettext_noop(
    "Thanks, {{ contact.first_name }}, see you {{ appointment.start_weekday }} "
    "at {{ appointment.start_time }}"
)
DEFAULT_CANCEL_ANSWER = gettext_noop(
    "Thanks for letting us know, {{ contact.first_name }}. "
    "We'll be in touch about your appointment on {{ appointment.start_date }}."
)
DEFAULT_LATE_ANSWER = gettext_noop(
    "Sorry, {{ contact.first_name }}: your appointment has already started, "
    "so it can't be answered by text. Please call us."
)
SHIPPED_ANSWERS = frozenset({DEFAULT_CONFIRMED_ANSWER, DEFAULT_CANCEL_ANSWER, DEFAULT_LATE_ANSWER})


class ConfirmationSettings(models.Model):
    """How an organization's contacts confirm or say they can't come (one row each,
    made with the defaults on first use)."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="confirmation_settings"
    )
    # One word or phrase per line or comma; compared without case, spaces,
    # punctuation or accents. Empty: the built-in words (confirmation_words.py).
    confirm_words = models.TextField(blank=True)
    cancel_words = models.TextField(blank=True)
    # A text answers the next appointment starting within this many days…
    window_days = models.PositiveSmallIntegerField(default=7)
    # …and, when set, only one a reminder went out for.
    reminded_only = models.BooleanField(default=True)
    # "Can't come" cancels at once instead of waiting for a person.
    cancel_directly = models.BooleanField(default=False)
    confirmed_answer = models.TextField(default=DEFAULT_CONFIRMED_ANSWER, blank=True)
    cancel_answer = models.TextField(default=DEFAULT_CANCEL_ANSWER, blank=True)
    late_answer = models.TextField(default=DEFAULT_LATE_ANSWER, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgScopedQuerySet.as_manager()

    @classmethod
    def of(cls, organization: Organization) -> ConfirmationSettings:
        found = cls.objects.filter(organization=organization).first()
        return found if found is not None else cls(organization=organization)
