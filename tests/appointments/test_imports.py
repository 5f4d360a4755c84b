"""Importing appointments from CSV and iCalendar: per-row reports, contacts matched or
added, re-import updates."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.calendar_reader import NO_CLIENT
from hushpost.appointments.models import Appointment, AppointmentStatus
from hushpost.contacts.models import Contact
from hushpost.imports.readers import ImportRefused
from tests.api.helpers import make_contact
from tests.appointments.helpers import at, import_file, new_contacts, reasons

pytestmark = pytest.mark.django_db

CSV = """external_id,start,end,title,location,status,staff_email,name,email,phone
V1,2031-03-04 09:30,2031-03-04 10:00,Check-up,Room 2,confirmed,alice@riverside.example,,\
dana@example.com,
V2,2031-03-04T11:00:00+01:00,2031-03-04T11:30:00+01:00,Call,,,,,,(415) 555-0123
V3,2031-03-05 09:00,2031-03-05 09:30,New patient,,,,Sam Poe,sam@example.com,
V4,yesterday,2031-03-05 09:30,Bad date,,,,,dana@example.com,
V5,2031-03-05 10:00,2031-03-05 09:00,Backwards,,,,,dana@example.com,
V6,2031-03-05 10:00,2031-03-05 10:30,Nobody,,,,,nobody@example.com,
V7,2031-03-05 11:00,2031-03-05 11:30,Bad phone,,,,Pat,,12
V8,2031-03-05 12:00,2031-03-05 12:30,Bad status,,maybe,,,dana@example.com,
V1,2031-03-06 12:00,2031-03-06 12:30,Twice,,,,,dana@example.com,
"""

ICS = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//Test//EN\r
BEGIN:VEVENT\r
UID:evt-1@calendar.example\r
DTSTAMP:20310101T000000Z\r
DTSTART;TZID=America/New_York:20310304T093000\r
DTEND;TZID=America/New_York:20310304T100000\r
SUMMARY:Check-up\r
LOCATION:Room 2\r
STATUS:CONFIRMED\r
ORGANIZER:mailto:alice@riverside.example\r
ATTENDEE;CN=Dana Reyes:mailto:dana@example.com\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:evt-2@calendar.example\r
DTSTAMP:20310101T000000Z\r
DTSTART:20310305T140000Z\r
DURATION:PT45M\r
SUMMARY:New client\r
ATTENDEE;CN=Lee Park:mailto:lee@example.com\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:evt-3@calendar.example\r
DTSTAMP:20310101T000000Z\r
DTSTART;VALUE=DATE:20310306\r
SUMMARY:Holiday\r
END:VEVENT\r
END:VCALENDAR\r
"""


@pytest.fixture
def dana(org_a):
    return make_contact(org_a)


def test_csv_with_bad_rows_imports_the_good_ones_and_says_why_not_the_others(org_a, dana, alice):
    report = import_file(org_a, "visits.csv", CSV.encode(), actor=alice)
    assert (report.added_count, report.updated_count, new_contacts(report)) == (3, 0, 1)
    found = reasons(report)
    assert set(found) == {"row 5", "row 6", "row 7", "row 8", "row 9", "row 10"}
    assert found["row 5"] == [
        "bad start date (use YYYY-MM-DD HH:MM, optionally with an offset such as +01:00)"
    ]
    assert found["row 6"] == ["end before start"]
    assert "unknown contact" in found["row 7"][0]
    assert found["row 8"][0].startswith("bad phone")
    assert found["row 9"][0].startswith("bad status")
    assert found["row 10"] == ["the same external id as row 2"]
    v1 = Appointment.objects.get(external_id="V1")
    assert (v1.contact, v1.start, v1.status, v1.staff) == (
        dana,
        at("2031-03-04T09:30"),
        "confirmed",
        alice,
    )
    assert Appointment.objects.get(external_id="V2").contact == dana  # by phone, read in the US
    assert Appointment.objects.get(external_id="V2").start == at("2031-03-04T11:00", "Europe/Paris")
    assert Contact.objects.get(email="sam@example.com").name == "Sam Poe"
    assert "dana@example.com" not in str(found)  # reasons never repeat values
    event = Event.objects.get(kind=EventKind.APPOINTMENTS_IMPORTED)
    assert event.detail["added"] == 3 and event.detail["rejected"] == 6


def test_importing_the_same_csv_again_duplicates_nothing_and_updates_what_changed(
    org_a, dana, alice
):
    import_file(org_a, "visits.csv", CSV.encode())
    again = import_file(org_a, "visits.csv", CSV.encode())
    assert (again.added_count, again.updated_count, again.unchanged_count) == (0, 0, 3)
    assert new_contacts(again) == 0
    assert Appointment.objects.count() == 3 and Contact.objects.count() == 2
    changed = CSV.replace("Check-up,Room 2,confirmed", "Check-up,Room 9,cancelled")
    third = import_file(org_a, "visits.csv", changed.encode())
    assert (third.added_count, third.updated_count, third.unchanged_count) == (0, 1, 2)
    v1 = Appointment.objects.get(external_id="V1")
    assert v1.location == "Room 9" and v1.status == AppointmentStatus.CANCELLED


def test_csv_rows_without_external_id_match_by_contact_and_start(org_a, dana):
    csv = b"start,end,email\n2031-03-04 09:30,2031-03-04 10:00,dana@example.com\n"
    import_file(org_a, "a.csv", csv)
    again = import_file(org_a, "a.csv", csv)
    assert again.unchanged_count == 1 and Appointment.objects.count() == 1


def test_a_csv_without_the_needed_columns_is_refused(org_a):
    with pytest.raises(ImportRefused, match="no start column"):
        import_file(org_a, "a.csv", b"name,email\nDana,dana@example.com\n")
    with pytest.raises(ImportRefused, match="no email or phone column"):
        import_file(org_a, "a.csv", b"start,end\n2031-03-04 09:30,2031-03-04 10:00\n")
    assert not Appointment.objects.exists()


def test_ics_imports_events_by_uid_and_again_duplicates_nothing(org_a, dana, alice):
    report = import_file(org_a, "cal.ics", ICS, actor=alice)
    assert (report.added_count, new_contacts(report)) == (2, 1)
    assert reasons(report) == {
        "event evt-3@calendar.example": [
            "all-day event (no start time)",
            NO_CLIENT,
        ]
    }
    first = Appointment.objects.get(external_id="evt-1@calendar.example")
    assert (first.contact, first.start, first.end, first.location, first.status, first.staff) == (
        dana,
        at("2031-03-04T09:30"),
        at("2031-03-04T10:00"),
        "Room 2",
        "confirmed",
        alice,
    )
    second = Appointment.objects.get(external_id="evt-2@calendar.example")
    assert (
        second.contact.name == "Lee Park" and (second.end - second.start).total_seconds() == 45 * 60
    )
    again = import_file(org_a, "cal.ics", ICS)
    assert (again.added_count, again.updated_count, again.unchanged_count) == (0, 0, 2)
    assert Appointment.objects.count() == 2 and Contact.objects.count() == 2
    moved = import_file(org_a, "cal.ics", ICS.replace(b"20310304T093000", b"20310304T083000"))
    assert moved.updated_count == 1
    assert Appointment.objects.get(external_id="evt-1@calendar.example").start == at(
        "2031-03-04T08:30"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:nonsense\n",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",
        b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:2031\x00\r\nEND:VEVENT\r\n",
        b"\x89PNG\r\n\x1a\n\x00\x00",
    ],
)
def test_a_malformed_ics_is_refused_and_nothing_is_stored(org_a, dana, data):
    with pytest.raises(ImportRefused):
        import_file(org_a, "cal.ics", data)
    assert not Appointment.objects.exists() and Contact.objects.count() == 1
    assert not Event.objects.filter(kind=EventKind.APPOINTMENTS_IMPORTED).exists()
