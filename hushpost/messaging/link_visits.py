"""R12: telling a person who opens a link from a scanner or preview that fetched it.

Mail scanners (Safe Links, Proofpoint, Mimecast …) and chat previews fetch
every link in a message; only a person goes on to post the PIN form (or ask for
a new link). So a visit is settled as:

- a scanner at once when it is a HEAD, comes from a known scanner or preview
  user agent, or arrives within SCANNER_WINDOW of the link being sent;
- a person when the same client (address + user agent, hashed) then posts to
  the link — `link_clicked`, with when the page was first opened;
- a scanner after all when no post followed within FOLLOW_UP_WINDOW
  (the scheduler's `settle_unfollowed_visits`).

Only a person's visit sets `first_clicked_at` and is "opened by a person".
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.deadlocks import retried_on_deadlock
from hushpost.delivery.models import Delivery
from hushpost.messaging.models import LinkVisit, SecureLink, VisitOutcome

SCANNER_WINDOW = timedelta(seconds=10)
# As long as a portal session lasts idle: a person who opened the page and
# hasn't posted by then has walked away, or never was one.
FOLLOW_UP_WINDOW = timedelta(minutes=15)
# Link checkers and chat previews that say who they are. Matched as words, case-insensitively.
SCANNER_AGENTS = re.compile(
    r"bot\b|crawler|spider|preview|facebookexternalhit|whatsapp|slack|telegram|discord|"
    r"skypeuripreview|linkedin|embedly|bingpreview|proofpoint|mimecast|barracuda|"
    r"safelinks|safe ?links|symantec|trend ?micro|sophos|fireeye|zscaler|forcepoint|"
    r"ironport|checkpoint|cisco|microsoft office|ms-office|outlook-ios|google-safety|"
    r"python-requests|python-urllib|go-http-client|curl/|wget/|okhttp|java/|libwww|httpclient",
    re.IGNORECASE,
)


def client_key(address: str, user_agent: str) -> str:
    """One client, as far as we can tell, without keeping its address or agent."""
    return hashlib.sha256(f"{address}\n{user_agent}".encode("utf-8", "replace")).hexdigest()


def scanner_reason(
    link: SecureLink, *, method: str, user_agent: str, now: datetime | None = None
) -> str:
    """Why this fetch is a scanner's, or "" when it may be a person's."""
    now = now or timezone.now()
    if method == "HEAD":
        return "head_request"
    if not user_agent.strip() or SCANNER_AGENTS.search(user_agent):
        return "scanner_user_agent"
    sent_at = _sent_at(link)
    if sent_at is not None and now - sent_at < SCANNER_WINDOW:
        return "too_soon_after_sending"
    return ""


def _sent_at(link: SecureLink) -> datetime | None:
    sent = Delivery.objects.filter(link=link).exclude(sent_at=None).order_by("sent_at")
    return sent.values_list("sent_at", flat=True).first() or link.created_at


def note_fetch(
    link: SecureLink,
    *,
    client: str,
    method: str,
    user_agent: str,
    now: datetime | None = None,
    state: str = "",
) -> bool:
    """Record a GET or HEAD of the link; True when it is taken for a scanner's.
    `state` names an expired or locked link's state for the log."""
    now = now or timezone.now()
    reason = scanner_reason(link, method=method, user_agent=user_agent, now=now)
    if reason:
        with transaction.atomic():
            LinkVisit.objects.create(
                link=link, client=client, seen_at=now, outcome=VisitOutcome.PREFETCH
            )
            _record_prefetch(link, reason, **({"state": state} if state else {}))
        return True
    known = LinkVisit.objects.filter(link=link, client=client).exclude(
        outcome=VisitOutcome.PREFETCH
    )
    if not known.exists():
        # Undecided until this client posts, or doesn't.
        LinkVisit.objects.create(link=link, client=client, seen_at=now)
    return False


def confirm_person(link: SecureLink, *, client: str, now: datetime | None = None) -> None:
    """The client posted to the link: its visit was a person's. Logged once per client.

    Its locks (the visits, the link, the organization's audit chain) can meet a PIN
    check's in the other order on PostgreSQL; the database then aborts one of them as
    a deadlock, and that one is simply done again."""
    now = now or timezone.now()
    retried_on_deadlock(lambda: _confirm_person(link, client=client, now=now))


def _confirm_person(link: SecureLink, *, client: str, now: datetime) -> None:
    with transaction.atomic():
        visits = LinkVisit.objects.select_for_update().filter(link=link, client=client)
        if visits.filter(outcome=VisitOutcome.PERSON).exists():
            return
        pending = visits.filter(outcome=VisitOutcome.PENDING).order_by("seen_at").first()
        opened_at = pending.seen_at if pending else now
        if pending:
            pending.outcome = VisitOutcome.PERSON
            pending.save(update_fields=["outcome"])
        else:
            LinkVisit.objects.create(
                link=link, client=client, seen_at=now, outcome=VisitOutcome.PERSON
            )
        SecureLink.objects.filter(pk=link.pk, first_clicked_at=None).update(
            first_clicked_at=opened_at
        )
        record(
            link.organization,
            EventKind.LINK_CLICKED,
            contact=link.contact,
            message=link.message,
            link=link,
            actor_label="contact",
            opened_at=opened_at.isoformat(timespec="seconds"),
        )


def settle_unfollowed_visits(now: datetime | None = None) -> int:
    """Visits no post followed within FOLLOW_UP_WINDOW: scanners after all."""
    now = now or timezone.now()
    settled = 0
    stale = LinkVisit.objects.filter(
        outcome=VisitOutcome.PENDING, seen_at__lt=now - FOLLOW_UP_WINDOW
    ).select_related("link__organization", "link__contact", "link__message")
    for visit in stale[:500]:
        with transaction.atomic():
            claimed = LinkVisit.objects.filter(pk=visit.pk, outcome=VisitOutcome.PENDING).update(
                outcome=VisitOutcome.PREFETCH
            )
            if claimed:
                _record_prefetch(visit.link, "no_follow_up")
                settled += claimed
    return settled


def _record_prefetch(link: SecureLink, reason: str, **detail) -> None:
    record(
        link.organization,
        EventKind.LINK_PREFETCHED,
        contact=link.contact,
        message=link.message,
        link=link,
        actor_label="system",
        reason=reason,
        **detail,
    )
