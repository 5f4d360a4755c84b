"""Staff times: English keeps "2:30 p.m.", Spanish staff read the 24-hour "14:30"."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.utils import timezone, translation

from hushpost.web import time_format

AFTERNOON = datetime(2026, 12, 8, 19, 30, tzinfo=UTC)  # 14:30 in New York
MORNING = datetime(2026, 12, 8, 14, 5, tzinfo=UTC)  # 9:05 in New York


def written(language: str, value: datetime) -> tuple[str, str]:
    with translation.override(language), timezone.override(ZoneInfo("America/New_York")):
        return time_format.date_time(value), time_format.time_of_day(value)


def test_english_staff_keep_the_twelve_hour_clock():
    assert written("en", AFTERNOON) == ("Tue 8 Dec 2026, 2:30 p.m. EST", "2:30 p.m.")
    assert written("en", MORNING) == ("Tue 8 Dec 2026, 9:05 a.m. EST", "9:05 a.m.")


def test_spanish_staff_read_the_twenty_four_hour_clock():
    assert written("es", AFTERNOON) == ("mar 8 Dic 2026, 14:30 EST", "14:30")
    assert written("es", MORNING) == ("mar 8 Dic 2026, 09:05 EST", "09:05")
