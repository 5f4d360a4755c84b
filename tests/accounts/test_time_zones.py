"""The zone picker: current canonical names only, the common ones first (the
organization's country before the rest), and an old saved alias kept."""

import zoneinfo

from hushpost.accounts.time_zones import COMMON, current_names, offset_label, time_zone_choices


def flat(choices):
    for value, label in choices:
        if isinstance(label, list):
            yield from flat(label)
        else:
            yield value, label


def test_only_current_canonical_names_are_offered():
    names = {value for value, _ in flat(time_zone_choices())}
    for old in ("US/Eastern", "Asia/Calcutta", "Europe/Kiev", "America/Buenos_Aires", "EST5EDT"):
        assert old in zoneinfo.available_timezones() and old not in names
    for current in ("America/New_York", "Asia/Kolkata", "Europe/Kyiv", "UTC"):
        assert current in names
    assert names == current_names()
    assert len(names) < len(zoneinfo.available_timezones()) - 100
    assert len(names) == len(list(flat(time_zone_choices())))  # each name once


def test_common_zones_come_first_with_the_countrys_own_at_the_top():
    choices = time_zone_choices(country="GB")
    group, common = choices[0]
    assert group == "Common time zones"
    assert common[0][0] == "Europe/London"
    assert [value for value, _ in common] == ["Europe/London"] + [
        name for name in COMMON if name != "Europe/London"
    ]
    us = [value for value, _ in time_zone_choices(country="US")[0][1]]
    assert us[:7] == [
        "Pacific/Honolulu",
        "America/Anchorage",
        "America/Los_Angeles",
        "America/Phoenix",
        "America/Denver",
        "America/Chicago",
        "America/New_York",
    ]
    regions = [group for group, _ in choices[1:]]
    assert regions == sorted(regions) and "Europe" in regions


def test_labels_say_the_current_offset():
    label = dict(flat(time_zone_choices()))["Asia/Kolkata"]
    assert label == "Asia/Kolkata (UTC+05:30)"
    assert offset_label("UTC") == "UTC+00:00"


def test_a_saved_old_name_is_offered_so_saving_again_keeps_it_and_a_blank_comes_first():
    choices = time_zone_choices(current="US/Eastern", blank="The organization's")
    assert choices[0] == ("", "The organization's")
    assert choices[1] == ("US/Eastern", "US/Eastern (an older name, kept as saved)")
    # A name Python doesn't know at all is never offered.
    assert "Mars/Olympus" not in dict(flat(time_zone_choices(current="Mars/Olympus")))
