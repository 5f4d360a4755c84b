"""Local wall-clock times that don't exist or happen twice, resolved the RFC 5545 way.

RFC 5545 §3.3.5: a local time that occurs twice (clocks go back) is the first
occurrence; one that doesn't occur (clocks go forward) is read with the UTC
offset from before the gap — 02:30 on the spring-forward night in New York is
03:30 EDT. Calendar imports and CSV imports both resolve local times here,
for any tzinfo (zoneinfo, or a VTIMEZONE a calendar defines itself).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo

# Far enough from any transition to read the offsets on either side of it.
_AROUND = timedelta(hours=6)


def resolve_local(local: datetime, zone: tzinfo) -> datetime:
    """The instant (UTC) a naive local time means in `zone`."""
    local = local.replace(tzinfo=None, fold=0)
    before = zone.utcoffset(local - _AROUND) or timedelta(0)
    after = zone.utcoffset(local + _AROUND) or timedelta(0)
    readings = sorted({local - before, local - after})
    real = [utc for utc in readings if _wall(utc, zone) == local]
    if real:
        # Twice (or once): the first occurrence.
        return real[0].replace(tzinfo=UTC)
    # In the gap: the offset in force before it.
    return (local - before).replace(tzinfo=UTC)


def _wall(utc: datetime, zone: tzinfo) -> datetime:
    return utc.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)
