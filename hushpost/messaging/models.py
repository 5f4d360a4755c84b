from __future__ import annotations

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_noop, pgettext_lazy

from hushpost.accounts.models import Organization, OrgScopedQuerySet
from hushpost.crypto.encrypted_attributes import EncryptedBytes, EncryptedJSON, EncryptedText
from hushpost.delivery.models import IN_PROGRESS, Channel, Delivery

# Stored as written (English) when an organization starts; hushpost/locale/ has
# them in every contact language (messaging/notification_texts.py picks one).
DEFAULT_SUBJECT = gettext_noop("You've received a secure message from {{ user.name_and_company }}")
DEFAULT_BODY = gettext_noop(
    "You've received a secure message from {{ user.name_and_company }}, "
    "click here to view the conversation: {{ secure_link }}"
)


class LinkLifetime(models.TextChoices):
    HOURS_24 = "24h", pgettext_lazy("staff", "24 hours")
    DAYS_10 = "10d", pgettext_lazy("staff", "10 days")
    MONTHS_6 = "6mo", pgettext_lazy("staff", "6 months")
    YEAR_1 = "1y", pgettext_lazy("staff", "1 year")


LIFETIMES = {
    LinkLifetime.HOURS_24: timedelta(hours=24),
    LinkLifetime.DAYS_10: timedelta(days=10),
    # Calendar months vary; links last a fixed span so expiry is predictable.
    LinkLifetime.MONTHS_6: timedelta(days=183),
    LinkLifetime.YEAR_1: timedelta(days=365),
}


class PinSource(models.TextChoices):
    """Where a link's PIN came from (R2.3: the first that applies wins)."""

    MESSAGE = "message", pgettext_lazy("staff", "PIN typed for this message")
    CONTACT = "contact", pgettext_lazy("staff", "The contact's own secure PIN")
    DEFAULT = "default", pgettext_lazy("staff", "The organization's default PIN")
    DEFAULT_TEMPLATE = (
        "default_template",
        pgettext_lazy("staff", "The organization's default PIN template"),
    )
    NONE = "none", pgettext_lazy("staff", "No PIN")


class SecureMessagingSettingsQuerySet(models.QuerySet["SecureMessagingSettings"]):
    def for_org(self, organization: Organization) -> SecureMessagingSettings:
        obj, _ = self.get_or_create(organization=organization)
        return obj


class SecureMessagingSettings(models.Model):
    """R1: one row per organization, created with the defaults on first use."""

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="secure_messaging_settings"
    )
    enabled = models.BooleanField("Enable secure messaging", default=False)
    subject = models.CharField(
        "Notification subject (email)", max_length=500, default=DEFAULT_SUBJECT
    )
    body = models.TextField("Notification body", default=DEFAULT_BODY)
    # {"es": {"subject": "…", "body": "…"}, …}: the notification for contacts who read
    # that language (messaging/notification_texts.py), checked on save like the default.
    translations = models.JSONField(default=dict, blank=True)
    link_lifetime = models.CharField(
        max_length=4, choices=LinkLifetime.choices, default=LinkLifetime.HOURS_24
    )
    # A literal PIN or a Liquid template over the contact's fields; encrypted at rest
    # because a literal default PIN is a shared secret.
    default_pin_encrypted = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = SecureMessagingSettingsQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "secure messaging settings"

    default_pin = EncryptedText(
        "default_pin_encrypted", binding=lambda s: f"org={s.organization_id}", strip=True
    )

    @property
    def lifetime(self) -> timedelta:
        return LIFETIMES[LinkLifetime(self.link_lifetime)]


class Direction(models.TextChoices):
    OUTBOUND = "outbound", pgettext_lazy("staff", "To the contact")
    INBOUND = "inbound", pgettext_lazy("staff", "From the contact")


class Origin(models.TextChoices):
    COMPOSE = "compose", pgettext_lazy("staff", "Compose")
    INBOX = "inbox", pgettext_lazy("staff", "Inbox reply")
    API = "api", pgettext_lazy("staff", "API")
    AUTO = "auto", pgettext_lazy("staff", "Auto message")
    PORTAL = "portal", pgettext_lazy("staff", "Secure page")
    SMS_REPLY = "sms_reply", pgettext_lazy("staff", "Text reply (outside the secure page)")


class ConversationState(models.TextChoices):
    # Open: someone should look at it. Done: handled; the contact's next reply opens it again.
    OPEN = "open", pgettext_lazy("staff", "Open")
    DONE = "done", pgettext_lazy("staff", "Done")


class ConversationQuerySet(OrgScopedQuerySet):
    def unread(self) -> ConversationQuerySet:
        return self.filter(unread_replies__gt=0)

    def unread_replies(self) -> int:
        """Replies nobody has read yet: the one unread count every page shows."""
        return self.unread().aggregate(total=models.Sum("unread_replies"))["total"] or 0


class Conversation(models.Model):
    """Everything between an organization and one contact: one per contact."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="conversations"
    )
    contact = models.OneToOneField(
        "contacts.Contact", on_delete=models.CASCADE, related_name="conversation"
    )
    # Who answers it and hears about replies: chosen in the Inbox, or else the
    # first staff member who wrote to the contact.
    assigned_to = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="assigned_conversations",
    )
    last_activity_at = models.DateTimeField(default=timezone.now, db_index=True)
    unread_replies = models.PositiveIntegerField(default=0)
    state = models.CharField(
        max_length=4, choices=ConversationState.choices, default=ConversationState.OPEN
    )
    state_changed_at = models.DateTimeField(null=True, blank=True)
    state_changed_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ConversationQuerySet.as_manager()

    class Meta:
        ordering = ["-last_activity_at"]
        indexes = [
            models.Index(fields=["organization", "-last_activity_at"]),
            models.Index(fields=["organization", "state", "-last_activity_at"]),
        ]

    def __str__(self) -> str:
        return f"Conversation with {self.contact}"


class ConversationViewer(models.Model):
    """A staff member who has a conversation open, as of `seen_at`.

    The conversation page writes it when it is shown and, with JavaScript, every
    half minute while it stays open; so "viewing now" means "seen lately", and a
    closed tab simply ages out.
    """

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="viewers")
    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="one_viewer_row_per_user")
        ]
        indexes = [models.Index(fields=["conversation", "-seen_at"])]


class FanOut(models.TextChoices):
    """Where a send stands in making a delivery for each recipient (in the background
    when it is for more than a few)."""

    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Being fanned out"
    DONE = "done", "Every recipient has a delivery"


class SendQuerySet(OrgScopedQuerySet):
    def in_progress(self) -> SendQuerySet:
        """Sends still fanning out, or with a delivery still queued or being sent
        (a bulk send's progress)."""
        busy = Delivery.objects.filter(send=models.OuterRef("pk"), status__in=IN_PROGRESS)
        return self.filter(~models.Q(fan_out=FanOut.DONE) | models.Exists(busy))


class Send(models.Model):
    """One act of sending (compose, API, inbox reply) to one or more contacts.

    Each recipient gets their own Message (the body is rendered for them) and
    Delivery; the API calls this the message (`POST /messages` → its id).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="sends")
    created_by = models.ForeignKey(
        "accounts.User", on_delete=models.SET_NULL, null=True, blank=True
    )
    actor_label = models.CharField(max_length=200, blank=True)
    origin = models.CharField(max_length=12, choices=Origin.choices, default=Origin.COMPOSE)
    channel = models.CharField(max_length=8, choices=Channel.choices)
    secure = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # How many recipients it was for, and how many of them have their delivery
    # (all of them once the fan-out is done; an inline send is done at once).
    recipients = models.PositiveIntegerField(default=0)
    fanned_out = models.PositiveIntegerField(default=0)
    fan_out = models.CharField(max_length=8, choices=FanOut.choices, default=FanOut.DONE)
    # Written by the worker fanning it out before each batch; a stale one means it died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Who it is for, in order (ids only: {"contacts": [...]} or {"appointments": [...]}),
    # and, encrypted, what to send them; both emptied when the fan-out is done.
    recipient_ids = models.JSONField(default=dict, blank=True)
    content_encrypted = models.TextField(blank=True)
    # An API client's Idempotency-Key, with the API key that sent it and a digest of
    # the request: the same key again returns this send, a different request is refused.
    request_key = models.CharField(max_length=200, blank=True)
    request_digest = models.CharField(max_length=64, blank=True)
    api_key = models.ForeignKey(
        "accounts.ApiKey", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    content = EncryptedJSON(
        "content_encrypted", binding=lambda s: f"org={s.organization_id}|send={s.id}", empty=dict
    )

    objects = SendQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "api_key", "request_key"],
                condition=~models.Q(request_key=""),
                name="send_request_key_unique",
            )
        ]


class Message(models.Model):
    """One message in a conversation, either way. Subject and body are encrypted at rest."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="messages"
    )
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="messages"
    )
    send = models.ForeignKey(
        Send, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    origin = models.CharField(max_length=12, choices=Origin.choices)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)
    secure = models.BooleanField(default=False)
    subject_encrypted = models.TextField(blank=True)
    body_encrypted = models.TextField(blank=True)
    author = models.ForeignKey("accounts.User", on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    # For inbound messages: when staff first read it.
    read_at = models.DateTimeField(null=True, blank=True)
    # For a text reply: Twilio's MessageSid, so a repeated webhook stores it once.
    provider_id = models.CharField(max_length=64, blank=True)
    # For outbound secure messages: when the contact first had it on screen
    # (a read receipt), and whether its author asked to hear of it by email.
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    notify_when_viewed = models.BooleanField(default=False)

    subject = EncryptedText(
        "subject_encrypted", binding=lambda m: f"org={m.organization_id}|id={m.id}"
    )
    body = EncryptedText("body_encrypted", binding=lambda m: f"org={m.organization_id}|id={m.id}")

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["conversation", "created_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["provider_id"],
                condition=~models.Q(provider_id=""),
                name="message_provider_id_unique",
            )
        ]


class Attachment(models.Model):
    """A file on a message, encrypted at rest in the database (so it commits with its message)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="attachments"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    data_encrypted = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    data = EncryptedBytes("data_encrypted", binding=lambda a: f"org={a.organization_id}|id={a.id}")

    class Meta:
        ordering = ["created_at", "file_name"]

    @classmethod
    def store(cls, message: Message, file_name: str, content_type: str, data: bytes) -> Attachment:
        """Keep a file on `message`, encrypted; inside the message's own transaction."""
        attachment = cls.prepare(message, file_name, content_type, data)
        attachment.save()
        return attachment

    @classmethod
    def prepare(
        cls, message: Message, file_name: str, content_type: str, data: bytes
    ) -> Attachment:
        """`store`'s row, encrypted but not yet saved (a batch saves many at once)."""
        attachment = cls(
            organization_id=message.organization_id,
            message=message,
            file_name=file_name,
            content_type=content_type,
            size=len(data),
        )
        attachment.data = data
        return attachment


class SecureLink(models.Model):
    """A personal, time-limited link to a contact's conversation.

    Only the SHA-256 of the token is stored; the raw token exists once, in the
    notification that carries it. The PIN in force is kept as an HMAC under a
    server key, compared in constant time.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="secure_links"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="secure_links"
    )
    message = models.ForeignKey(
        Message, on_delete=models.SET_NULL, null=True, blank=True, related_name="links"
    )
    # The channel the link went out on; a new link goes the same way.
    channel = models.CharField(max_length=8, choices=Channel.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    pin_hmac = models.CharField(max_length=64, blank=True)
    pin_source = models.CharField(max_length=20, choices=PinSource.choices, blank=True)
    failed_pin_attempts = models.PositiveSmallIntegerField(default=0)
    locked_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    first_clicked_at = models.DateTimeField(null=True, blank=True)
    # The link that replaced this one ("send me a new link").
    replaced_by = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = OrgScopedQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["contact", "-created_at"])]

    @property
    def has_pin(self) -> bool:
        return bool(self.pin_hmac)

    def is_expired(self, now=None) -> bool:
        return (now or timezone.now()) >= self.expires_at


class VisitOutcome(models.TextChoices):
    PENDING = "pending", "Not known yet"
    PERSON = "person", "A person"
    PREFETCH = "prefetch", "A scanner or preview"


class LinkVisit(models.Model):
    """One client's visits to a link, told apart as a person or a scanner
    (messaging/link_visits.py). The client is a hash of its address and user
    agent, never either in clear."""

    link = models.ForeignKey(SecureLink, on_delete=models.CASCADE, related_name="visits")
    client = models.CharField(max_length=64)
    seen_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(
        max_length=8, choices=VisitOutcome.choices, default=VisitOutcome.PENDING
    )

    class Meta:
        indexes = [
            models.Index(fields=["link", "client"]),
            models.Index(fields=["outcome", "seen_at"]),
        ]
