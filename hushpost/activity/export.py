"""The activity log as CSV, produced row by row so a long log never sits in memory."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from zoneinfo import ZoneInfo

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind

HEADER = ["time", "kind", "contact_id", "contact_name", "actor", "details", "description"]
# The tamper-evident chain (activity/chain.py), for a reviewer to check offline
# (docs/SECURITY.md has the recipe).
CHAIN_HEADER = ["seq", "prev_hash", "hash", "sealed"]
CHUNK = 1000

# A cell starting with one of these is run as a formula by spreadsheet apps,
# and contact names come from outside (imports, the API).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _safe(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_START) else text


class _Line:
    """A file-like object whose write() hands the line back, for csv.writer."""

    def write(self, value: str) -> str:
        return value


# Readable sentences for a batch of events (the staff app's, web/event_sentences.py);
# without one, the description is the kind's name.
Describe = Callable[[list[Event]], list[str]]


def event_row(
    event: Event,
    zone: ZoneInfo,
    with_ip: bool = True,
    description: str = "",
    with_chain: bool = False,
) -> list[str]:
    chain = [str(event.seq), event.prev_hash, event.hash, event.sealed] if with_chain else []
    return [
        event.created_at.astimezone(zone).isoformat(timespec="seconds"),
        event.kind,
        str(event.contact_id) if event.contact_id else "",
        _safe(event.contact.name) if event.contact else "",
        _safe(event.actor_label),
        _safe(event.summary if with_ip else event.summary_without_ip),
        _safe(description or event.get_kind_display()),
        *chain,
    ]


def recorded_csv_lines(
    events,
    time_zone: str,
    *,
    organization,
    actor,
    export: str,
    with_ip: bool = True,
    describe: Describe | None = None,
    with_chain: bool = False,
    **filters,
) -> Iterator[str]:
    """The CSV of `events`, its download recorded first (the record itself
    stays out of the file)."""
    note = record_export(organization, actor=actor, export=export, rows=events.count(), **filters)
    return csv_lines(
        events.exclude(pk=note.pk),
        time_zone,
        with_ip=with_ip,
        describe=describe,
        with_chain=with_chain,
    )


def _batches(events: Iterable[Event]) -> Iterator[list[Event]]:
    if hasattr(events, "iterator"):
        events = events.iterator(chunk_size=CHUNK)
    batch: list[Event] = []
    for event in events:
        batch.append(event)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def csv_lines(
    events: Iterable[Event],
    time_zone: str,
    *,
    with_ip: bool = True,
    describe: Describe | None = None,
    with_chain: bool = False,
) -> Iterator[str]:
    zone = ZoneInfo(time_zone)
    writer = csv.writer(_Line())
    yield writer.writerow(HEADER + (CHAIN_HEADER if with_chain else []))
    for batch in _batches(events):
        descriptions = describe(batch) if describe else [""] * len(batch)
        for event, description in zip(batch, descriptions, strict=True):
            yield writer.writerow(event_row(event, zone, with_ip, description, with_chain))


def record_export(organization, *, actor, export: str, rows: int, **filters) -> Event:
    """Every download of data from Hushpost is an audit event: which export, how
    many rows, which filters."""
    # Prefixed: a filter named "kind" or "contact" must not collide with record()'s own arguments.
    used = {
        f"filter_{name}": str(value) for name, value in filters.items() if value not in (None, "")
    }
    return record(
        organization, EventKind.ACTIVITY_EXPORTED, actor=actor, export=export, rows=rows, **used
    )
