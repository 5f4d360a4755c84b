"""Portal sessions: what a contact holds between opening a link and reading the thread.

Separate from staff sessions on purpose: a different cookie (`hushpost_portal`,
path /s/ only), a random key of which only the SHA-256 is stored, bound to one
contact through the link that started it, ended after 15 minutes without a
request. A staff sign-in and a contact's visit in the same browser never mix.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.messaging.links import LinkState, link_state
from hushpost.messaging.models import SecureLink
from hushpost.portal.models import PortalSession
from hushpost.prepared_sql import PreparedQuery

COOKIE_NAME = "hushpost_portal"
COOKIE_PATH = "/s/"
IDLE_TIMEOUT = timedelta(minutes=15)
# The idle deadline moves on at most this often: a write per request would make every
# page view queue for SQLite's one writer. A session may so end up to this much
# before a full 15 minutes of idleness.
SEEN_EVERY = timedelta(seconds=30)


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()


def start_session(request: HttpRequest, response: HttpResponse, link: SecureLink) -> PortalSession:
    """A fresh session for the link's contact, replacing whatever the browser held.

    The key is new every time (like Django's cycle_key on sign-in), so a key
    planted in the browser beforehand is never promoted to a signed-in one.
    """
    end_session(request)
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    session = PortalSession.objects.create(
        key_hash=_hash(key),
        organization_id=link.organization_id,
        contact_id=link.contact_id,
        link=link,
        created_at=now,
        last_seen_at=now,
    )
    response.set_cookie(
        COOKIE_NAME,
        key,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        # Same rule as the staff cookie (always Secure in production), plus
        # any request that came over https; the http demo on 127.0.0.1 still works.
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )
    return session


def _live(*, key_hash: str) -> QuerySet[PortalSession]:
    # key_hash is unique: a slice, not first(), whose ORDER BY would only cost.
    return PortalSession.objects.select_related("contact__organization", "link").filter(
        key_hash=key_hash, ended_at__isnull=True
    )[:1]


# Every portal request starts here: its SQL is the ORM's, written once per process
# (hushpost/prepared_sql.py), as building and compiling it again on each request cost
# more than running it.
_LIVE = PreparedQuery(PortalSession, _live, key_hash=str)


def live_session(request: HttpRequest, *, now: datetime | None = None) -> PortalSession | None:
    """The request's session if it is still live, pushing its idle deadline forward."""
    key = request.COOKIES.get(COOKIE_NAME)
    if not key:
        return None
    now = now or timezone.now()
    found = _LIVE.run(key_hash=_hash(key))
    if not found:
        return None
    session = found[0]
    if session.organization_id == session.contact.organization_id:
        # The same row (a session's organization is its link's, and so its contact's):
        # taken from the contact rather than joined a second time.
        session.organization = session.contact.organization
    if now - session.last_seen_at >= IDLE_TIMEOUT:
        # It ended when it went idle, not when someone next knocked.
        _end(session, session.last_seen_at + IDLE_TIMEOUT)
        return None
    if link_state(session.link, now) != LinkState.VALID:
        # Staff revoked the link, it expired, or it was locked: the session it
        # opened goes with it.
        _end(session, now)
        return None
    if now - session.last_seen_at >= SEEN_EVERY:
        PortalSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now
    return session


def record_view(session: PortalSession, messages: int) -> bool:
    """Record `message_viewed` when the contact is shown messages this session hasn't
    recorded yet (the first view, or new messages since); a reload records nothing
    and writes nothing. True when recorded."""
    if session.viewed_messages is not None and messages <= session.viewed_messages:
        return False
    with transaction.atomic():
        # Conditional: two tabs reloading at once record the view once.
        unseen = Q(viewed_messages__isnull=True) | Q(viewed_messages__lt=messages)
        if not PortalSession.objects.filter(unseen, pk=session.pk).update(viewed_messages=messages):
            return False
        session.viewed_messages = messages
        record(
            session.organization,
            EventKind.MESSAGE_VIEWED,
            contact=session.contact,
            message=session.link.message,
            link=session.link,
            actor_label="contact",
            messages=messages,
        )
    return True


def end_session(request: HttpRequest) -> None:
    key = request.COOKIES.get(COOKIE_NAME)
    if key:
        PortalSession.objects.filter(key_hash=_hash(key), ended_at__isnull=True).update(
            ended_at=timezone.now()
        )


def forget_cookie(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")


def _end(session: PortalSession, at: datetime) -> None:
    PortalSession.objects.filter(pk=session.pk, ended_at__isnull=True).update(ended_at=at)
