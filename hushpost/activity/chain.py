"""The tamper-evident chain over each organization's activity log (R12).

Every event is sealed when it is inserted: it gets the next number in its
organization's chain (`seq`), the hash of the event before it (`prev_hash`),
its canonical content (`sealed`: a JSON text of what it says — kind, time,
actor, references, detail — fixed at insert), and
`hash = HMAC-SHA256(chain key, prev_hash + "\\n" + sealed)`. Changing, removing
or reordering any sealed event breaks the link after it, and nobody without
the chain key can compute a replacement hash.

Sealing holds the organization's `ChainHead` row locked (SELECT … FOR UPDATE
on PostgreSQL; SQLite's IMMEDIATE transactions serialize every writer) until
the inserting transaction commits, so concurrent writers in any number of
processes each take the next number in turn. The head also records the last
hash, so removing the newest events is detected too.

The chain key is per organization, derived from HUSHPOST_SECRET_KEY:
HMAC-SHA256(secret key, "hushpost.activity.chain:<organization id>"). An
organization's key can be handed to a reviewer (`verify-audit --show-key`)
without revealing the secret key or any other organization's key.
Verification also tries the keys derived from SECRET_KEY_FALLBACKS, so after
a secret-key rotation events sealed under the old key still verify while the
old key is kept there (docs/SECURITY.md).

References to contacts, messages, deliveries, links and staff are cleared
(SET NULL) when those are deleted — by the retention purge, a contact's
deletion — so a reference may be empty where the sealed content names it;
it may never name anything else.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

GENESIS = "0" * 64
FORMAT = 1
REFERENCES = ("contact", "message", "delivery", "link", "actor")
CHUNK = 2000


def chain_keys(organization_id: int) -> list[bytes]:
    """The organization's chain keys: the current one first, then those of fallback secrets."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    label = f"hushpost.activity.chain:{organization_id}".encode()
    return [hmac.new(secret.encode(), label, hashlib.sha256).digest() for secret in secrets]


def link_hash(key: bytes, prev_hash: str, sealed: str) -> str:
    return hmac.new(key, f"{prev_hash}\n{sealed}".encode(), hashlib.sha256).hexdigest()


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def canonical(event) -> str:
    """What the event says, as one JSON text; fixed when it is sealed."""
    content = {
        "v": FORMAT,
        "org": event.organization_id,
        "seq": event.seq,
        "kind": str(event.kind),
        "at": event.created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor_label": event.actor_label,
        "detail": event.detail,
        **{name: _id(getattr(event, f"{name}_id")) for name in REFERENCES},
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)


def _locked_head(ChainHead, organization_id: int):
    locked = ChainHead.objects.select_for_update()
    head = locked.filter(organization_id=organization_id).first()
    if head is None:
        # The organization's first event: two writers may both get here, so
        # the head is created only if missing, then locked like any other.
        ChainHead.objects.bulk_create(
            [ChainHead(organization_id=organization_id)], ignore_conflicts=True
        )
        head = locked.get(organization_id=organization_id)
    return head


def seal(events: list) -> None:
    """Number, link and hash new events in list order; call inside the inserting transaction."""
    from hushpost.activity.models import ChainHead

    # Heads are locked in one order (by id), so two bulk inserts can't deadlock.
    for organization_id in sorted({event.organization_id for event in events}):
        key = chain_keys(organization_id)[0]
        head = _locked_head(ChainHead, organization_id)
        for event in events:
            if event.organization_id != organization_id:
                continue
            head.seq += 1
            event.seq = head.seq
            event.prev_hash = head.hash
            event.sealed = canonical(event)
            event.hash = head.hash = link_hash(key, event.prev_hash, event.sealed)
        head.save(update_fields=["seq", "hash"])


def head_of(organization_id: int) -> tuple[int, str]:
    """Where the organization's chain ends now: (seq, hash)."""
    from hushpost.activity.models import ChainHead

    head = ChainHead.objects.filter(organization_id=organization_id).first()
    return (head.seq, head.hash) if head else (0, GENESIS)


# --- verification -------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first link that doesn't hold: which event, when, and why."""

    event_id: int | None
    created_at: datetime | None
    reason: str

    def __str__(self) -> str:
        where = (
            f"event {self.event_id} ({self.created_at.isoformat(timespec='seconds')})"
            if self.event_id is not None and self.created_at is not None
            else "the end of the chain"
        )
        return f"broken at {where}: {self.reason}"


@dataclass(frozen=True)
class Verdict:
    events: int
    broken: Break | None

    @property
    def intact(self) -> bool:
        return self.broken is None


def _row_differs(event, sealed: dict[str, Any]) -> str:
    """Which column no longer says what was sealed ("" when none)."""
    if sealed.get("v") != FORMAT:
        return f"sealed in an unknown format {sealed.get('v')!r}"
    if sealed["org"] != event.organization_id or sealed["seq"] != event.seq:
        return "its organization or number was changed"
    if sealed["kind"] != event.kind:
        return "its kind was changed"
    if datetime.fromisoformat(sealed["at"]) != event.created_at:
        return "its time was changed"
    if sealed["actor_label"] != event.actor_label:
        return "its actor was changed"
    if sealed["detail"] != event.detail:
        return "its detail was changed"
    for name in REFERENCES:
        current = _id(getattr(event, f"{name}_id"))
        # Cleared when what it named was deleted (SET NULL); never pointed elsewhere.
        if current is not None and current != sealed[name]:
            return f"its {name} was changed"
    return ""


def _rows(events) -> Iterator:
    return events.order_by("seq").iterator(chunk_size=CHUNK)


def verify(organization_id: int) -> Verdict:
    """Walk the organization's chain from the first event; stop at the first break."""
    from hushpost.activity.models import Event

    keys = chain_keys(organization_id)
    prev_hash, expected, count = GENESIS, 1, 0
    for event in _rows(Event.objects.filter(organization_id=organization_id)):
        count += 1
        problem = ""
        if event.seq != expected:
            problem = (
                f"number {event.seq} follows {expected - 1}: events are missing"
                if event.seq > expected
                else f"number {event.seq} appears twice or out of order"
            )
        elif event.prev_hash != prev_hash:
            problem = "it does not point to the event before it"
        elif not any(
            hmac.compare_digest(link_hash(key, event.prev_hash, event.sealed), event.hash)
            for key in keys
        ):
            problem = "its hash does not match its content (changed, or sealed under another key)"
        else:
            try:
                problem = _row_differs(event, json.loads(event.sealed))
            except (ValueError, KeyError, TypeError):
                problem = "its sealed content is unreadable"
        if problem:
            return Verdict(count, Break(event.pk, event.created_at, problem))
        prev_hash, expected = event.hash, expected + 1
    head_seq, head_hash = head_of(organization_id)
    if (head_seq, head_hash) != (expected - 1, prev_hash):
        return Verdict(
            count,
            Break(None, None, f"the chain ends at {expected - 1} but its head says {head_seq}"),
        )
    return Verdict(count, None)
