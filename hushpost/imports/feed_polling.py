"""Polling calendar feeds: fetch through the SSRF guard, import through the one pipeline.

A poll asks for the calendar with the ETag and Last-Modified of the last one
settled (a 304 changes nothing), follows at most a few redirects (each one
checked by the guard again: a redirect could point anywhere), and reads at
most MAX_UPLOAD_BYTES under one deadline. An answer that is not a calendar
(an HTML login page, an error status, a truncated or empty calendar) is
refused before anything is stored. A calendar that differs from the last one
settled becomes an ImportRun (source "scheduler") and is settled in the
background like an upload; when that run ends, `settle_feed` cancels the
future appointments of the events the calendar no longer has and remembers
the new calendar's validators, so a run that fails is fetched in full again.

The scheduler (`poll_due_feeds`) gives every feed a fixed slot in the interval
(HUSHPOST_FEED_INTERVAL_MINUTES) taken from its id, so feeds are spread over
the interval and never all polled at once; each due feed is polled by a
background task. A feed failing for a day emails the organization's owners
once, until it works again.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urljoin

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from hushpost.accounts.models import Role, User
from hushpost.accounts.staff_languages import by_language
from hushpost.imports.file_encoding import UndecodableFile, decode_upload
from hushpost.imports.models import (
    CalendarFeed,
    FeedOutcome,
    ImportKind,
    ImportRun,
    ImportSource,
)
from hushpost.imports.readers import ImportRefused, RowResult, Settler
from hushpost.outbound.client import request
from hushpost.outbound.errors import OutboundError
from hushpost.outgoing_email import OutgoingEmail

logger = logging.getLogger(__name__)

MAX_REDIRECTS = 3
REDIRECTS = (301, 302, 303, 307, 308)
FAILING_TELLS_OWNERS = datetime.timedelta(days=1)
# Feeds claimed per scheduler tick; the rest wait for the next tick.
BATCH = 50
NOT_A_CALENDAR = (
    "the address answered with something that is not a calendar{what}; "
    "check that it is the calendar's secret address in iCal format"
)


@dataclass
class Poll:
    outcome: str  # FeedOutcome, or "busy" when the last calendar is still being imported
    reason: str = ""
    run: ImportRun | None = None


def _max_bytes() -> int:
    from hushpost.imports.pipeline import MAX_UPLOAD_BYTES

    return MAX_UPLOAD_BYTES


def interval() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.HUSHPOST_FEED_INTERVAL_MINUTES)


def next_slot(feed_id, after: datetime.datetime) -> datetime.datetime:
    """The feed's next poll after `after`: its own fixed offset within each interval."""
    period = int(interval().total_seconds())
    offset = feed_id.int % period
    since_epoch = int(after.timestamp())
    start = since_epoch - (since_epoch - offset) % period
    slot = start if start > since_epoch else start + period
    return datetime.datetime.fromtimestamp(slot, tz=datetime.UTC)


def fetch(feed: CalendarFeed):
    """The answer to a conditional GET of the feed, redirects followed; OutboundError."""
    from hushpost.imports.feeds import guard_url

    headers = {"Accept": "text/calendar, text/plain;q=0.5, */*;q=0.1"}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    url = feed.url
    for _ in range(MAX_REDIRECTS + 1):
        answer = request(
            "GET",
            url,
            headers=headers,
            timeout=settings.HUSHPOST_FEED_TIMEOUT_SECONDS,
            max_body=_max_bytes() + 1,
            allow_private=settings.HUSHPOST_FEEDS_ALLOW_PRIVATE,
            require_https=settings.PRODUCTION,
        )
        location = answer.headers.get("location", "")
        if answer.status not in REDIRECTS or not location:
            return answer
        url = guard_url(urljoin(url, location))
    raise OutboundError(f"more than {MAX_REDIRECTS} redirects; give the address they lead to")


def poll_feed(feed: CalendarFeed, *, now: datetime.datetime | None = None) -> Poll:
    """Poll the feed once, now; the outcome is also written on the feed."""
    now = now or timezone.now()
    last = feed.last_run
    if last is not None and not last.is_finished:
        # The last calendar is still being settled; two runs of one feed would
        # race to cancel what the other has not seen yet.
        return Poll("busy", "the last calendar fetched is still being imported")
    poll = _poll(feed, now)
    _write_outcome(feed, poll, now)
    return poll


def _poll(feed: CalendarFeed, now: datetime.datetime) -> Poll:
    try:
        answer = fetch(feed)
    except OutboundError as error:
        return Poll(FeedOutcome.FAILED, error.reason.rstrip("."))
    if answer.status == 304:
        return Poll(FeedOutcome.NOT_MODIFIED)
    if not 200 <= answer.status < 300:
        return Poll(FeedOutcome.FAILED, f"the address answered HTTP {answer.status}")
    if len(answer.body) > _max_bytes():
        return Poll(
            FeedOutcome.FAILED,
            f"the calendar is larger than {_max_bytes() // (1024 * 1024)} MB",
        )
    try:
        text = decode_upload(answer.body).text
    except UndecodableFile:
        return Poll(FeedOutcome.REFUSED, NOT_A_CALENDAR.format(what=" (not text)"))
    if not text.lstrip("\ufeff \r\n\t")[:15].upper() == "BEGIN:VCALENDAR":
        kind = answer.headers.get("content-type", "").split(";", 1)[0].strip()
        return Poll(FeedOutcome.REFUSED, NOT_A_CALENDAR.format(what=f" ({kind})" if kind else ""))
    validators = {
        "etag": answer.headers.get("etag", "")[:500],
        "last_modified": answer.headers.get("last-modified", "")[:100],
        # Keyed by the feed, so the hash says nothing about the calendar elsewhere.
        "hash": hashlib.sha256(feed.pk.bytes + answer.body).hexdigest(),
    }
    if validators["hash"] == feed.content_hash:
        CalendarFeed.objects.filter(pk=feed.pk).update(
            etag=validators["etag"], last_modified=validators["last_modified"]
        )
        return Poll(FeedOutcome.UNCHANGED)
    from hushpost.imports.pipeline import create_run

    try:
        run = create_run(
            feed.organization,
            kind=ImportKind.APPOINTMENTS,
            file_name=f"{feed.name[:200]}.ics",
            data=answer.body,
            actor_label=f"calendar feed: {feed.name}",
            source=ImportSource.SCHEDULER,
            options={"feed": str(feed.pk), "staff_email": feed.staff_email, **validators},
        )
    except ImportRefused as error:
        return Poll(FeedOutcome.REFUSED, str(error).rstrip("."))
    return Poll(FeedOutcome.IMPORTED, run=run)


def _write_outcome(feed: CalendarFeed, poll: Poll, now: datetime.datetime) -> None:
    failed = poll.outcome in (FeedOutcome.FAILED, FeedOutcome.REFUSED)
    changes: dict[str, Any] = {
        "last_polled_at": now,
        "last_outcome": poll.outcome,
        "last_error": poll.reason[:500],
    }
    if poll.run is not None:
        changes["last_run"] = poll.run
    if failed:
        changes["failing_since"] = feed.failing_since or now
    else:
        changes["failing_since"] = changes["owners_told_at"] = None
    CalendarFeed.objects.filter(pk=feed.pk).update(**changes)
    for name, value in changes.items():
        setattr(feed, name, value)
    since = feed.failing_since
    if (
        failed
        and since is not None
        and feed.owners_told_at is None
        and now - since >= FAILING_TELLS_OWNERS
    ):
        # Conditional, so two pollers never both send it.
        if CalendarFeed.objects.filter(pk=feed.pk, owners_told_at__isnull=True).update(
            owners_told_at=now
        ):
            feed.owners_told_at = now
            tell_owners_failing(feed)


def tell_owners_failing(feed: CalendarFeed) -> int:
    """One email to the active owners; how many were addressed. Names the feed, never its
    address (a secret) or an event."""
    owners = list(
        User.objects.filter(
            organization_id=feed.organization_id, role=Role.OWNER, is_active=True
        ).values_list("email", flat=True)
    )
    if not owners:
        return 0
    page = settings.BASE_URL + reverse("web:calendar_feeds")
    values = {
        "name": feed.name,
        "organization": feed.organization.name,
        "since": f"{feed.failing_since:%Y-%m-%d %H:%M}",
        "error": feed.last_error,
    }
    try:
        for language, group in by_language(owners).items():
            with translation.override(language):
                text = pgettext(
                    "staff",
                    "The calendar feed “%(name)s” of %(organization)s has failed since "
                    "%(since)s UTC: %(error)s.",
                )
                advice = pgettext(
                    "staff",
                    "Appointments from this calendar are not being updated. Check the feed's "
                    "address (a calendar's secret address changes when it is reset):",
                )
                OutgoingEmail(
                    subject=pgettext("staff", "A calendar feed has not synced for a day"),
                    body=f"{text % values}\n\n{advice}\n{page}\n",
                    to=group,
                ).send()
    except Exception:
        # The page shows the failure either way; a mail server that is down must not
        # stop the polling.
        logger.exception("could not email the owners about calendar feed %s", feed.pk)
        return 0
    return len(owners)


def poll_due_feeds(now: datetime.datetime | None = None, *, batch: int = BATCH) -> int:
    """Claim the feeds whose slot has come and queue a poll of each; how many were queued."""
    now = now or timezone.now()
    due = CalendarFeed.objects.filter(next_poll_at__lte=now).order_by("next_poll_at")
    queued = 0
    for pk, due_at in due.values_list("pk", "next_poll_at")[:batch]:
        with transaction.atomic():
            # Conditional, so two schedulers never both queue the same poll.
            taken = CalendarFeed.objects.filter(pk=pk, next_poll_at=due_at).update(
                next_poll_at=next_slot(pk, now)
            )
            if taken:
                transaction.on_commit(partial(_enqueue, pk))
                queued += 1
    return queued


def _enqueue(feed_id) -> None:
    from hushpost.imports.tasks import poll_feed_task

    poll_feed_task.enqueue(str(feed_id))


def poll_by_id(feed_id) -> Poll | None:
    feed = (
        CalendarFeed.objects.select_related("organization", "last_run").filter(pk=feed_id).first()
    )
    return None if feed is None else poll_feed(feed)


def settle_feed(run: ImportRun, records: Sequence[Any], settler: Settler) -> list[RowResult]:
    """At the end of a feed's run, inside its last transaction: cancel what the events gone
    from the calendar had from now on, and remember this calendar as the one settled."""
    feed = (
        CalendarFeed.objects.select_for_update()
        .filter(pk=run.options.get("feed"), organization_id=run.organization_id)
        .first()
    )
    if feed is None:  # deleted while its calendar was being imported
        return []
    # An event still in the calendar stays, even one whose row was rejected this time.
    present = sorted({record.uid for record in records if getattr(record, "uid", "")})
    gone = sorted(set(feed.known_uids) - set(present))
    results = settler.withdraw(gone, now=timezone.now()) if gone else []
    CalendarFeed.objects.filter(pk=feed.pk).update(
        known_uids=present,
        etag=run.options.get("etag", ""),
        last_modified=run.options.get("last_modified", ""),
        content_hash=run.options.get("hash", ""),
    )
    return results
