"""The CSV rows of the activity log."""

import csv
import datetime as dt
import io

import pytest
import time_machine

from hushpost.activity.export import HEADER, csv_lines
from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact

pytestmark = pytest.mark.django_db


def rows(events, zone="America/New_York"):
    return list(csv.reader(io.StringIO("".join(csv_lines(events, zone)))))


def test_it_writes_a_header_and_one_row_per_event_in_the_given_zone(org_a, alice):
    jane = Contact.objects.create(organization=org_a, name="Jane Roe, Jr.")
    with time_machine.travel(dt.datetime(2026, 3, 3, 4, 30, tzinfo=dt.UTC), tick=False):
        record(org_a, EventKind.CONTACT_UPDATED, contact=jane, actor=alice, fields="email, phone")
    header, row = rows(Event.objects.all())
    assert header == HEADER
    assert HEADER == [
        "time",
        "kind",
        "contact_id",
        "contact_name",
        "actor",
        "details",
        "description",
    ]
    # Without a describer (the staff app passes its sentences) the description is the kind.
    assert row == [
        "2026-03-02T23:30:00-05:00",
        "contact_updated",
        str(jane.pk),
        "Jane Roe, Jr.",
        alice.email,
        "fields: email, phone",
        "Contact updated",
    ]


def test_an_event_without_a_contact_leaves_the_contact_columns_empty(org_a):
    record(org_a, EventKind.SETTINGS_CHANGED, fields="subject")
    _, row = rows(Event.objects.all(), "UTC")
    assert row[2:5] == ["", "", "system"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://evil.example")', "+1+1", "-2+3", "@SUM(A1)"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_defused(org_a, name):
    contact = Contact.objects.create(organization=org_a, name=name)
    record(org_a, EventKind.CONTACT_CREATED, contact=contact)
    _, row = rows(Event.objects.all())
    assert row[3] == "'" + name
