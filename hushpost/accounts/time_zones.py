"""The time zones staff pick from: current canonical names only, common ones first.

`zoneinfo.available_timezones()` also lists ~150 old aliases (US/Eastern,
Asia/Calcutta, Europe/Kiev) and POSIX-style names (EST5EDT); a picker of all
600 reads as noise. The IANA database's own zone.tab names each current zone
once, with its country, so that is the list; the country lets the zones of
the organization's own country come first. Saved values are still checked
against every name Python knows (`validate_time_zone`), so an old alias sent
through the API or kept from before is shown, never lost.
"""

from __future__ import annotations

import functools
import zoneinfo
from datetime import datetime
from importlib import resources

# Where most people who use a clinic's software are, roughly west to east.
COMMON = (
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Vancouver",
    "America/Phoenix",
    "America/Denver",
    "America/Chicago",
    "America/Mexico_City",
    "America/New_York",
    "America/Toronto",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/Reykjavik",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Africa/Lagos",
    "Europe/Madrid",
    "Europe/Paris",
    "Europe/Amsterdam",
    "Europe/Berlin",
    "Europe/Rome",
    "Europe/Warsaw",
    "Africa/Johannesburg",
    "Europe/Athens",
    "Africa/Cairo",
    "Europe/Istanbul",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Ho_Chi_Minh",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Perth",
    "Australia/Sydney",
    "Pacific/Auckland",
    "UTC",
)


@functools.cache
def _zone_table() -> dict[str, str]:
    """Every current zone name from zone.tab, with its two-letter country."""
    text = (resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    zones = {}
    for line in text.splitlines():
        if line.startswith("#") or not line.strip():
            continue
        country, _coordinates, name, *_ = line.split("\t")
        zones[name] = country
    return zones


def current_names() -> frozenset[str]:
    return frozenset(_zone_table()) | {"UTC"}


def offset_label(name: str, now: datetime | None = None) -> str:
    """`UTC−05:00` for New York in winter: what the zone is right now."""
    now = now or datetime.now(tz=zoneinfo.ZoneInfo("UTC"))
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "−" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def _option(name: str, now: datetime) -> tuple[str, str]:
    return name, f"{name.replace('_', ' ')} ({offset_label(name, now)})"


def time_zone_choices(*, country: str = "", current: str = "", blank: str | None = None) -> list:
    """Choices for a <select>: `blank` (if given), the common zones with the
    country's own first, then every current zone by region.

    A `current` value that is no longer a canonical name (an alias saved
    before) is offered too, so saving the form again keeps it.
    """
    now = datetime.now(tz=zoneinfo.ZoneInfo("UTC"))
    table = _zone_table()
    known = current_names()
    ours = [name for name in COMMON if table.get(name) == country]
    common = ours + [name for name in COMMON if name not in ours]
    choices: list = []
    if blank is not None:
        choices.append(("", blank))
    if current and current not in known and current in zoneinfo.available_timezones():
        choices.append((current, f"{current} (an older name, kept as saved)"))
    choices.append(("Common time zones", [_option(name, now) for name in common]))
    regions: dict[str, list[str]] = {}
    for name in sorted(known - set(COMMON)):
        region = name.split("/", 1)[0] if "/" in name else "Other"
        regions.setdefault(region, []).append(name)
    for region, names in sorted(regions.items()):
        choices.append((region, [_option(name, now) for name in names]))
    return choices
