"""R12: staff unlock a link the contact locked with wrong PINs.

Only the link's own count of wrong PINs starts again; the contact's limit
over all their links (links.contact_pin_pause, counted from the pin_wrong
events themselves) stays in force, so an unlock is no way around it. An
expired, revoked or replaced link is not unlocked: it would not open, or a
newer link already took its place. Each unlock is audited with who and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.messaging.links import LinkState, link_state
from hushpost.messaging.models import SecureLink

MAX_REASON = 200


class UnlockRefused(ValueError):
    """Why this link can't be unlocked, said to staff. `field` is "reason" when the
    reason is what's wrong, "" when it is the link's state."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Unlocked:
    link: SecureLink
    failed_pin_attempts: int  # the count the link had when it was unlocked


def unlock_link(
    link: SecureLink,
    *,
    reason: str,
    actor=None,
    actor_label: str = "",
    now: datetime | None = None,
) -> Unlocked:
    now = now or timezone.now()
    reason = " ".join(reason.split())
    if not reason:
        raise UnlockRefused("Say why the link is unlocked (the audit trail keeps it).", "reason")
    if len(reason) > MAX_REASON:
        raise UnlockRefused(f"Keep the reason under {MAX_REASON} characters.", "reason")
    with transaction.atomic():
        link = (
            SecureLink.objects.select_for_update(no_key=True)
            .select_related("contact")
            .get(pk=link.pk)
        )
        state = link_state(link, now)
        if state == LinkState.REVOKED:
            raise UnlockRefused("This link was revoked; revoked links stay ended.")
        if state != LinkState.LOCKED:
            raise UnlockRefused("This link is not locked.")
        if link.is_expired(now):
            raise UnlockRefused("This link has expired as well; send a new message instead.")
        if link.replaced_by_id:
            raise UnlockRefused("A new link already replaced this one; it stays ended.")
        attempts = link.failed_pin_attempts
        link.locked_at = None
        link.failed_pin_attempts = 0
        link.save(update_fields=["locked_at", "failed_pin_attempts"])
        record(
            link.organization,
            EventKind.LINK_UNLOCKED,
            contact=link.contact,
            message=link.message,
            link=link,
            actor=actor,
            actor_label=actor_label,
            reason=reason,
            failed_pin_attempts=attempts,
        )
    return Unlocked(link, attempts)
