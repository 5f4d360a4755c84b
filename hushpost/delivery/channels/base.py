"""The one interface every channel implements.

A channel takes an `Outgoing` and either returns `Accepted` or raises
`DeliveryError`, which says whether trying again could help (`permanent`)
and whether the provider may already have accepted it (`maybe_sent`, e.g. a
timeout after the request went out) — the caller decides what that means.
Nothing outside delivery/ knows which provider sits behind a channel.
"""

from __future__ import annotations

from dataclasses import dataclass

from hushpost.delivery.models import Provider


@dataclass(frozen=True)
class Outgoing:
    delivery_id: str
    organization_id: int
    channel: str  # "sms" | "email" | "voice"
    to: str  # E.164 phone or email address
    subject: str  # email only
    body: str  # plain text; email channels also build an HTML part from it
    status_callback_url: str = ""
    # Files that travel with a plain email: (file name, content type, bytes).
    # A secure notification never carries any.
    attachments: tuple[tuple[str, str, bytes], ...] = ()
    # Bulk email only (RFC 2369/8058): the contact's own one-click unsubscribe address.
    unsubscribe_url: str = ""
    # Voice only: where Twilio posts the keypress after the message, and the
    # language the question is asked in.
    gather_url: str = ""
    language: str = "en"


@dataclass(frozen=True)
class Accepted:
    provider: Provider
    provider_id: str = ""


class DeliveryError(Exception):
    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        code: str = "",
        retry_after: float | None = None,
        maybe_sent: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class BaseChannel:
    name = "base"
    # Provider error codes meaning the recipient opted out at the provider
    # (Twilio's 21610): the caller then marks the contact opted out too.
    opt_out_codes: frozenset[str] = frozenset()
    # Set by the worker's batches: keep provider connections open between messages.
    keep_alive = False
    # May send from several threads at once (touches no database, shares no connection).
    thread_safe = False

    def warm(self) -> None:
        """Get ready to send at once (a paced send waits for its slot after this)."""

    def close(self) -> None:
        """Let go of any connection kept open between messages (the worker is stopping)."""

    def send(self, outgoing: Outgoing) -> Accepted:  # pragma: no cover - interface
        raise NotImplementedError
