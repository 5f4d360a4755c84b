"""API keys: made once, shown once, stored only as a SHA-256, revoked for good.

A key is `hp_` + 32 random bytes (URL-safe base64). The bytes are random
enough that a plain SHA-256 is the right store: there is nothing to brute
force, and a lookup by hash takes the same time whether or not a key matches
(no character-by-character string comparison ever touches a stored secret).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import cast

from django.db import transaction
from django.utils import timezone

from hushpost.accounts.models import ApiKey, Organization
from hushpost.activity.log import record
from hushpost.activity.models import EventKind

KEY_PREFIX = "hp_"
# What staff see to tell keys apart: "hp_" and 8 random characters (48 bits).
SHOWN_CHARS = len(KEY_PREFIX) + 8
# A CharField: its max_length is always set.
MAX_NAME_LENGTH = cast(int, ApiKey._meta.get_field("name").max_length)
# last_used_at is a hint for staff ("is this key still in use?"), not an audit
# trail: writing it once a minute at most keeps busy integrations from turning
# every read into a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiKeyError(ValueError):
    pass


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def create_key(
    organization: Organization, name: str, created_by=None, *, actor_label: str = ""
) -> tuple[ApiKey, str]:
    """A new key for the organization: the saved row and the raw key, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise ApiKeyError("Give the key a name, such as the system that will use it.")
    if len(name) > MAX_NAME_LENGTH:
        raise ApiKeyError(f"A key name is at most {MAX_NAME_LENGTH} characters.")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        key = ApiKey.objects.create(
            organization=organization,
            name=name,
            prefix=raw[:SHOWN_CHARS],
            key_hash=hash_key(raw),
            created_by=created_by,
        )
        record(
            organization,
            EventKind.API_KEY_CREATED,
            actor=created_by,
            actor_label=actor_label,
            name=key.name,
            prefix=key.prefix,
        )
    return key, raw


def revoke_key(key: ApiKey, *, actor=None, actor_label: str = "") -> bool:
    """Revoke the key at once; False when it already was."""
    with transaction.atomic():
        updated = ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not updated:
            return False
        key.refresh_from_db(fields=["revoked_at"])
        record(
            key.organization,
            EventKind.API_KEY_REVOKED,
            actor=actor,
            actor_label=actor_label,
            name=key.name,
            prefix=key.prefix,
        )
    return True


def authenticate(raw: str, *, now: datetime | None = None) -> ApiKey | None:
    """The active key for this raw key, with its organization; None for unknown or revoked keys."""
    if not raw.startswith(KEY_PREFIX):
        return None
    key = (
        ApiKey.objects.active()
        .select_related("organization")
        .filter(key_hash=hash_key(raw))
        .first()
    )
    if key is None:
        return None
    now = now or timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE: concurrent requests don't lock each other out, and
        # the row is not saved whole (a revoke in between must not be undone).
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
