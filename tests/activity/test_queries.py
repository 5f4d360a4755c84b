"""filter_events: the activity log's filters, with days read in the organization's time zone."""

import datetime as dt

import pytest
import time_machine

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.activity.queries import filter_events
from hushpost.contacts.models import Contact

pytestmark = pytest.mark.django_db


def at(when: dt.datetime, org, kind=EventKind.CONTACT_UPDATED, **kwargs):
    with time_machine.travel(when, tick=False):
        return record(org, kind, **kwargs)


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(organization=org_a, name="Jane Roe")


def test_it_returns_only_the_organizations_events_newest_first(org_a, org_b):
    first = at(utc(2026, 3, 1, 12), org_a)
    second = at(utc(2026, 3, 2, 12), org_a)
    at(utc(2026, 3, 3, 12), org_b)
    assert list(filter_events(org_a)) == [second, first]


def test_it_filters_by_contact_and_kind(org_a, jane):
    other = Contact.objects.create(organization=org_a, name="Sam Poe")
    janes = at(utc(2026, 3, 1, 12), org_a, EventKind.CONTACT_UPDATED, contact=jane)
    at(utc(2026, 3, 1, 13), org_a, EventKind.CONTACT_UPDATED, contact=other)
    janes_creation = at(utc(2026, 3, 1, 11), org_a, EventKind.CONTACT_CREATED, contact=jane)
    assert list(filter_events(org_a, contact=jane)) == [janes, janes_creation]
    assert list(filter_events(org_a, contact=jane, kind=EventKind.CONTACT_CREATED)) == [
        janes_creation
    ]


def test_another_organizations_contact_matches_nothing(org_a, org_b):
    theirs = Contact.objects.create(organization=org_b, name="Hidden Person")
    at(utc(2026, 3, 1, 12), org_b, contact=theirs)
    at(utc(2026, 3, 1, 12), org_a)
    assert list(filter_events(org_a, contact=theirs)) == []


def test_dates_are_whole_days_in_the_organizations_time_zone(org_a):
    # Riverside is in New York (UTC-5 in early March).
    late_on_the_2nd = at(utc(2026, 3, 3, 4, 59), org_a)  # 23:59 on the 2nd in New York
    early_on_the_3rd = at(utc(2026, 3, 3, 5, 0), org_a)  # 00:00 on the 3rd
    end_of_the_3rd = at(utc(2026, 3, 4, 4, 59, 59), org_a)
    at(utc(2026, 3, 4, 5, 0), org_a)  # the 4th
    the_3rd = dt.date(2026, 3, 3)
    assert list(filter_events(org_a, date_from=the_3rd, date_to=the_3rd)) == [
        end_of_the_3rd,
        early_on_the_3rd,
    ]
    assert list(filter_events(org_a, date_to=dt.date(2026, 3, 2))) == [late_on_the_2nd]
    assert len(filter_events(org_a, date_from=the_3rd)) == 3


def test_a_day_that_changes_the_clocks_is_still_the_whole_day(org_a):
    # 2026-03-08: New York springs forward; the local day is 23 hours long.
    just_before_midnight = at(utc(2026, 3, 9, 3, 59), org_a)  # 23:59 EDT on the 8th
    at(utc(2026, 3, 8, 4, 59), org_a)  # 23:59 EST on the 7th
    assert list(
        filter_events(org_a, date_from=dt.date(2026, 3, 8), date_to=dt.date(2026, 3, 8))
    ) == [just_before_midnight]
