"""Secure links: unguessable tokens stored as hashes, PINs as keyed HMACs, expiry, lockout.

The raw token exists only in the notification that carries it; we keep its
SHA-256 and look links up by it. The PIN in force is kept as an HMAC under the
server's secret (argon2 would cost ~150 ms and 100 MiB a check here) and
compared in constant time, after trimming spaces and ignoring case.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.deadlocks import retried_on_deadlock
from hushpost.messaging.models import Message, SecureLink

MAX_PIN_ATTEMPTS = 5
# Across all of one contact's links: wrong PINs within the window, then a pause.
CONTACT_PIN_FAILURES = 10
CONTACT_PIN_WINDOW = timedelta(minutes=15)
TOKEN_SHAPE = re.compile(r"^[A-Za-z0-9_-]{40,64}$")
PIN_SALT = "hushpost.messaging.links.pin"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("ascii")).hexdigest()


def link_url(raw: str) -> str:
    return f"{settings.BASE_URL}/s/{raw}"


def normalize_pin(pin: str) -> str:
    return pin.strip().lower()


def _pin_hmac(pin: str, secret: str) -> str:
    key = hashlib.sha256(f"{PIN_SALT}:{secret}".encode()).digest()
    return hmac.new(key, normalize_pin(pin).encode("utf-8"), hashlib.sha256).hexdigest()


def pin_hmac(pin: str) -> str:
    return _pin_hmac(pin, settings.SECRET_KEY)


def pin_matches(link: SecureLink, pin: str) -> bool:
    # Links made before a secret key rotation still check against the old key.
    candidates = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    return any(hmac.compare_digest(_pin_hmac(pin, secret), link.pin_hmac) for secret in candidates)


def create_link(
    *,
    contact: Contact,
    message: Message | None,
    channel: str,
    lifetime: timedelta,
    pin: str | None = None,
    pin_source: str = "",
    pin_digest: str = "",
    now: datetime | None = None,
) -> tuple[SecureLink, str]:
    """A new link for the contact; returns it with its raw token (shown once, never stored)."""
    link, raw = new_link(
        contact=contact,
        message=message,
        channel=channel,
        lifetime=lifetime,
        pin=pin,
        pin_source=pin_source,
        pin_digest=pin_digest,
        now=now,
    )
    link.save(force_insert=True)
    return link, raw


def new_link(
    *,
    contact: Contact,
    message: Message | None,
    channel: str,
    lifetime: timedelta,
    pin: str | None = None,
    pin_source: str = "",
    pin_digest: str = "",
    now: datetime | None = None,
) -> tuple[SecureLink, str]:
    """`create_link`'s link, not yet saved: a batch of sends saves many in one INSERT."""
    now = now or timezone.now()
    raw = new_token()
    link = SecureLink(
        organization_id=contact.organization_id,
        contact=contact,
        message=message,
        channel=channel,
        token_hash=token_hash(raw),
        created_at=now,
        expires_at=now + lifetime,
        pin_hmac=pin_hmac(pin) if pin else pin_digest,
        pin_source=pin_source,
    )
    return link, raw


def find_link(raw: str) -> SecureLink | None:
    """The link for a raw token, or None — malformed, unknown and tampered look the same."""
    if not raw or not TOKEN_SHAPE.match(raw):
        return None
    return (
        SecureLink.objects.select_related("contact", "organization")
        .filter(token_hash=token_hash(raw))
        .first()
    )


class LinkState(models.TextChoices):
    VALID = "valid"
    EXPIRED = "expired"
    LOCKED = "locked"
    REVOKED = "revoked"


def link_state(link: SecureLink, now: datetime | None = None) -> LinkState:
    if link.revoked_at:
        return LinkState.REVOKED
    if link.locked_at:
        return LinkState.LOCKED
    if link.is_expired(now):
        return LinkState.EXPIRED
    return LinkState.VALID


@dataclass(frozen=True)
class PinCheck:
    ok: bool
    locked: bool = False
    attempts_left: int = MAX_PIN_ATTEMPTS
    retry_after: int = 0  # seconds; set when the contact's limit paused the check


def contact_pin_limits() -> tuple[int, timedelta]:
    failures = getattr(settings, "HUSHPOST_PORTAL_PIN_CONTACT_FAILURES", CONTACT_PIN_FAILURES)
    minutes = getattr(settings, "HUSHPOST_PORTAL_PIN_WINDOW_MINUTES", None)
    return failures, timedelta(minutes=minutes) if minutes else CONTACT_PIN_WINDOW


def contact_pin_pause(contact_id, now: datetime | None = None) -> int:
    """Seconds until the contact's links take a PIN again: 0 unless the
    contact had too many wrong ones lately.

    Counted from the pin_wrong events themselves, so the count is exact
    whichever web process took the guesses.
    """
    now = now or timezone.now()
    failures, window = contact_pin_limits()
    recent = list(
        Event.objects.filter(
            contact_id=contact_id, kind=EventKind.PIN_WRONG, created_at__gt=now - window
        )
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:failures]
    )
    if len(recent) < failures:
        return 0
    return max(1, int((recent[-1] + window - now).total_seconds()) + 1)


def check_pin(link: SecureLink, pin: str, *, now: datetime | None = None) -> PinCheck:
    """Compare a typed PIN; the fifth wrong one locks the link. Each try is logged.

    Past the contact's limit of wrong PINs (over all their links) the PIN is
    not compared at all until the window has moved on. Its locks (the contact,
    the link, the organization's audit chain) can meet another request's in the
    other order on PostgreSQL; the database aborts one as a deadlock, nothing of
    it is kept, and that try is simply made again.
    """

    tries = 0

    def attempt() -> PinCheck:
        nonlocal tries
        if tries:
            link.refresh_from_db()  # the aborted try may have changed it in memory
        tries += 1
        return _check_pin(link, pin, now=now)

    return retried_on_deadlock(attempt)


def _check_pin(link: SecureLink, pin: str, *, now: datetime | None = None) -> PinCheck:
    now = now or timezone.now()
    if pause := contact_pin_pause(link.contact_id, now):
        # Paused already: answer without taking the write locks (a flood of guesses stays cheap).
        return PinCheck(ok=False, attempts_left=0, retry_after=pause)
    with transaction.atomic():
        # Lock the contact, then the link: concurrent guesses, on one link or
        # on several of the contact's links, must each count.
        Contact.objects.select_for_update(no_key=True).filter(pk=link.contact_id).first()
        link = SecureLink.objects.select_for_update(no_key=True).get(pk=link.pk)
        if link.locked_at or link_state(link, now) != LinkState.VALID:
            return PinCheck(ok=False, locked=bool(link.locked_at), attempts_left=0)
        if pause := contact_pin_pause(link.contact_id, now):
            return PinCheck(
                ok=False,
                attempts_left=MAX_PIN_ATTEMPTS - link.failed_pin_attempts,
                retry_after=pause,
            )
        if pin_matches(link, pin):
            record(
                link.organization,
                EventKind.PIN_ENTERED,
                contact=link.contact,
                message=link.message,
                link=link,
                actor_label="contact",
            )
            return PinCheck(ok=True, attempts_left=MAX_PIN_ATTEMPTS - link.failed_pin_attempts)
        link.failed_pin_attempts += 1
        fields = ["failed_pin_attempts"]
        record(
            link.organization,
            EventKind.PIN_WRONG,
            contact=link.contact,
            message=link.message,
            link=link,
            actor_label="contact",
            attempt=link.failed_pin_attempts,
        )
        if link.failed_pin_attempts >= MAX_PIN_ATTEMPTS:
            link.locked_at = now
            fields.append("locked_at")
            record(
                link.organization,
                EventKind.LINK_LOCKED,
                contact=link.contact,
                message=link.message,
                link=link,
                actor_label="contact",
                attempts=link.failed_pin_attempts,
            )
        link.save(update_fields=fields)
        return PinCheck(
            ok=False,
            locked=link.locked_at is not None,
            attempts_left=max(0, MAX_PIN_ATTEMPTS - link.failed_pin_attempts),
        )


def revoke_links(
    contact: Contact, *, actor=None, link: SecureLink | None = None, now: datetime | None = None
) -> int:
    """End one link, or every live link of a contact, at once. The rules live in
    messaging/revocation.py."""
    from hushpost.messaging import revocation  # it imports this module

    if link is not None:
        return int(revocation.revoke_link(link, actor=actor, now=now))
    return revocation.revoke_all_links(contact, actor=actor, now=now)


def mask_phone(e164: str) -> str:
    digits = "".join(ch for ch in e164 if ch.isdigit())
    return f"•••-•••-{digits[-4:]}" if len(digits) >= 4 else "•••"


def mask_email(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def mask_address(channel: str, address: str) -> str:
    """A phone or email address as records show it: •••-•••-1234, j•••@example.com."""
    if not address:
        return ""
    return mask_email(address) if channel == "email" else mask_phone(address)
