"""Managing calendar feeds: the rules the API and the staff page share.

A feed's address is checked here through the SSRF guard (as webhook URLs
are), `webcal://` being read as `https://`; it is stored encrypted and shown
only as `url_hint`. Every change is logged as `settings_changed` with section
"calendar feeds", naming the feed, never its address.
"""

from __future__ import annotations

from typing import cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hushpost.accounts.models import User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.imports.models import CalendarFeed
from hushpost.outbound.addresses import check_url
from hushpost.outbound.errors import OutboundError

MAX_NAME = cast(int, CalendarFeed._meta.get_field("name").max_length)
# Calendar apps publish webcal:// addresses; they are https:// (webcal is not a protocol).
_WEBCAL = {"webcal": "https", "webcals": "https"}


class FeedInvalid(ValueError):
    """Refused, field by field: `problems` maps "url", "name", "staff_email" to messages."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items()))


def normal_url(url: str) -> str:
    """The address as it is fetched: trimmed, webcal:// read as https://."""
    url = (url or "").strip()
    scheme, sep, rest = url.partition("://")
    if sep and scheme.lower() in _WEBCAL:
        return f"{_WEBCAL[scheme.lower()]}://{rest}"
    return url


def guard_url(url: str) -> str:
    """The address if it may be fetched from here (now); OutboundError saying why not."""
    url = normal_url(url)
    check_url(
        url,
        allow_private=settings.HUSHPOST_FEEDS_ALLOW_PRIVATE,
        require_https=settings.PRODUCTION,
    )
    return url


def url_hint(url: str) -> str:
    """Enough of the address to tell feeds apart: the host and a file name, never the secret.

    Google's and Outlook's secret sits in the path before a file name
    (…/private-<secret>/basic.ics, …/<secret>/calendar.ics); iCloud's is the
    last segment itself, so a last segment that isn't a short file name shows
    only its last four characters."""
    parts = urlsplit(url)
    last = parts.path.rstrip("/").rsplit("/", 1)[-1]
    if "." in last and len(last) <= 40 and last.count(".") == 1:
        tail = last
    else:
        tail = f"…{last[-4:]}" if len(last) > 4 else "…"
    return f"{parts.scheme}://{parts.hostname or ''}/…/{tail}"[:300]


def _staff_email(organization, email: str) -> str:
    email = (email or "").strip()
    if not email:
        return ""
    user = (
        User.objects.filter(organization=organization, email__iexact=email, is_active=True)
        .only("email")
        .first()
    )
    if user is None:
        raise ValueError("No staff member of your organization has this email.")
    return user.email


def _checked(
    organization,
    *,
    url: str | None,
    name: str | None,
    staff_email: str | None,
    feed: CalendarFeed | None = None,
) -> dict:
    problems: dict[str, list[str]] = {}
    clean: dict = {}
    if url is not None:
        try:
            clean["url"] = guard_url(url)
        except OutboundError as error:
            problems["url"] = [error.reason]
        else:
            others = CalendarFeed.objects.for_org(organization)
            if feed is not None:
                others = others.exclude(pk=feed.pk)
            same = next((other for other in others if other.url == clean["url"]), None)
            if same is not None:
                problems["url"] = [f"This calendar is already added, as “{same.name}”."]
    if name is not None:
        clean["name"] = " ".join(name.split())
        if len(clean["name"]) > MAX_NAME:
            problems["name"] = [f"At most {MAX_NAME} characters."]
        elif not clean["name"] and feed is not None:
            problems["name"] = ["Give the feed a name."]
    if staff_email is not None:
        try:
            clean["staff_email"] = _staff_email(organization, staff_email)
        except ValueError as error:
            problems["staff_email"] = [str(error)]
    if problems:
        raise FeedInvalid(problems)
    return clean


def _log(feed: CalendarFeed, change: str, *, actor, actor_label: str, **detail) -> None:
    record(
        feed.organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="calendar feeds",
        change=change,
        feed=str(feed.pk),
        name=feed.name,
        **detail,
    )


def create_feed(
    organization,
    *,
    url: str,
    name: str = "",
    staff_email: str = "",
    actor=None,
    actor_label: str = "",
) -> CalendarFeed:
    """The new feed, due for its first poll at once; FeedInvalid says what to fix."""
    clean = _checked(organization, url=url, name=name, staff_email=staff_email)
    now = timezone.now()
    with transaction.atomic():
        feed = CalendarFeed(
            organization=organization,
            name=clean["name"] or (urlsplit(clean["url"]).hostname or "Calendar")[:MAX_NAME],
            staff_email=clean["staff_email"],
            url_hint=url_hint(clean["url"]),
            next_poll_at=now,
            created_at=now,
            updated_at=now,
        )
        feed.url = clean["url"]
        feed.save()
        _log(feed, "created", actor=actor, actor_label=actor_label)
    return feed


def update_feed(
    feed: CalendarFeed,
    *,
    url: str | None = None,
    name: str | None = None,
    staff_email: str | None = None,
    actor=None,
    actor_label: str = "",
) -> list[str]:
    """Change what is given; returns the names of what changed."""
    clean = _checked(feed.organization, url=url, name=name, staff_email=staff_email, feed=feed)
    changed = [field for field, value in clean.items() if getattr(feed, field) != value]
    if not changed:
        return []
    now = timezone.now()
    with transaction.atomic():
        for field in changed:
            setattr(feed, field, clean[field])
        if "url" in changed:
            feed.url_hint = url_hint(feed.url)
            # A new address (a reset secret, say) is fetched in full, at once; the
            # events the feed had are kept, so only those gone from it are cancelled.
            feed.etag = feed.last_modified = feed.content_hash = ""
            feed.next_poll_at = now
            feed.failing_since = feed.owners_told_at = None
        feed.updated_at = now
        feed.save()
        _log(feed, "updated", actor=actor, actor_label=actor_label, fields=", ".join(changed))
    return changed


def delete_feed(feed: CalendarFeed, *, actor=None, actor_label: str = "") -> None:
    """The feed goes; the appointments it brought stay, as imported ones do."""
    with transaction.atomic():
        _log(feed, "deleted", actor=actor, actor_label=actor_label)
        feed.delete()
