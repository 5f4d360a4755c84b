from __future__ import annotations

from django.db import models
from django.utils import timezone


class PortalSession(models.Model):
    """A contact's session on the secure page, separate from staff sessions.

    Started by a valid link (and PIN), bound to that link's contact; the cookie
    holds a random key of which only the SHA-256 is stored. Ends after 15
    minutes without a request.
    """

    key_hash = models.CharField(max_length=64, unique=True)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    contact = models.ForeignKey(
        "contacts.Contact", on_delete=models.CASCADE, related_name="portal_sessions"
    )
    link = models.ForeignKey(
        "messaging.SecureLink", on_delete=models.CASCADE, related_name="portal_sessions"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # How many messages the contact had been shown when the last message_viewed was
    # recorded (none yet: null): a reload records nothing, a new message records a view.
    viewed_messages = models.PositiveIntegerField(null=True, blank=True)
