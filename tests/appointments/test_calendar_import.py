"""Calendars as Google, Outlook and iCloud export them (tests/fixtures/imports/*.ics): series
expanded with stable ids, versions respected, DST resolved, the right contacts, any encoding."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hushpost.appointments.models import (
    Appointment,
    AppointmentStatus,
    DueSend,
    RecurringSeries,
)
from hushpost.appointments.series import extend_open_series
from hushpost.contacts.models import Contact
from tests.appointments.helpers import import_file
from tests.imports.fixtures import fixture

pytestmark = pytest.mark.django_db

# Monday 4 January 2027, 08:00 in New York: the week's first session is still to come.
NOW = datetime(2027, 1, 4, 13, 0, tzinfo=UTC)
SERIES = "5q0v2b8k1m3n4p6r7s9t0u1v2w@google.com"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def staff(alice, bob):
    return alice, bob


def imported(org, name, data=None):
    return import_file(org, name, data if data is not None else fixture(name))


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def row(run, uid):
    return run.rows.get(uid=uid)


def test_a_weekly_google_series_becomes_one_appointment_per_occurrence_from_now(org_a, staff):
    run = imported(org_a, "google_calendar.ics")
    assert run.status == "done"
    series = Appointment.objects.filter(external_id__startswith=f"{SERIES}/").order_by("start")
    assert [(a.external_id.split("/")[1], a.start) for a in series] == [
        ("20270104T150000Z", utc("2027-01-04T15:00")),
        ("20270111T150000Z", utc("2027-01-11T15:00")),
        # The override moved the 25th to Tuesday 15:00; its id stays the 25th's.
        ("20270125T150000Z", utc("2027-01-26T20:00")),
        ("20270201T150000Z", utc("2027-02-01T15:00")),
        ("20270215T150000Z", utc("2027-02-15T15:00")),
        ("20270222T150000Z", utc("2027-02-22T15:00")),
        # RDATE adds a Wednesday session after the rule's UNTIL.
        ("20270303T210000Z", utc("2027-03-03T21:00")),
    ]
    # 18 January is an EXDATE; 8 February was cancelled in the calendar.
    assert row(run, f"{SERIES}/20270208T150000Z").reasons == [
        "cancelled in the calendar, and never imported before: nothing to store"
    ]
    assert f"Series {SERIES}: 8 occurrences from 2027-01-04 to 2027-03-03." in run.notes
    moved = series.get(external_id=f"{SERIES}/20270125T150000Z")
    # recurring-ical-events gives every occurrence the series' highest SEQUENCE.
    assert (moved.title, moved.source_sequence) == ("Therapy session (moved)", 2)
    # The organizer is the staff member; the room and the staff attendee are not clients.
    assert {a.staff for a in series} == {staff[0]}
    assert {a.contact.email for a in series} == {"dana.reyes@example.com"}
    assert series.first().location == "Riverside Clinic, Room 2"


def test_reimporting_a_series_adds_updates_and_cancels_exactly_the_occurrences_that_changed(
    org_a, staff
):
    imported(org_a, "google_calendar.ics")
    before = {a.external_id: a.pk for a in Appointment.objects.all()}
    changed = (
        fixture("google_calendar.ics")
        # 18 January is back, 1 February is now the one left out...
        .replace(
            b"EXDATE;TZID=America/New_York:20270118T100000",
            b"EXDATE;TZID=America/New_York:20270201T100000",
        )
        # ...and the moved session moves again, in a newer version.
        .replace(
            b"DTSTART;TZID=America/New_York:20270126T150000",
            b"DTSTART;TZID=America/New_York:20270126T160000",
        )
        .replace(
            b"DTEND;TZID=America/New_York:20270126T155000",
            b"DTEND;TZID=America/New_York:20270126T165000",
        )
        .replace(b"SEQUENCE:1\r\n", b"SEQUENCE:3\r\n")
    )
    run = imported(org_a, "google_calendar.ics", changed)
    outcomes = {r.uid: r.outcome for r in run.rows.all() if r.uid.startswith(SERIES)}
    assert outcomes[f"{SERIES}/20270118T150000Z"] == "added"
    assert outcomes[f"{SERIES}/20270201T150000Z"] == "updated"
    assert row(run, f"{SERIES}/20270201T150000Z").warnings == [
        "no longer in the calendar: cancelled"
    ]
    assert outcomes[f"{SERIES}/20270125T150000Z"] == "updated"
    assert outcomes[f"{SERIES}/20270111T150000Z"] == "unchanged"
    assert Appointment.objects.get(external_id=f"{SERIES}/20270201T150000Z").status == (
        AppointmentStatus.CANCELLED
    )
    assert Appointment.objects.get(external_id=f"{SERIES}/20270125T150000Z").start == utc(
        "2027-01-26T21:00"
    )
    # Nothing was duplicated: the same rows, one more.
    after = {a.external_id: a.pk for a in Appointment.objects.all()}
    assert {k: v for k, v in after.items() if k in before} == before
    assert set(after) - set(before) == {f"{SERIES}/20270118T150000Z"}


def test_an_older_version_of_an_event_never_overwrites_a_newer_one(org_a, staff):
    imported(org_a, "outlook_calendar.ics")
    # Outlook's UIDs are its hexadecimal global object ids.
    uid = (
        "040000008200E00074C5B7101A82E0080000000010A7C3E2F0D9DA01"
        "000000000000000010000000A1B2C3D4E5F60718293A4B5C6D7E8F90"
    )
    stored = Appointment.objects.get(external_id=uid)
    older = (
        fixture("outlook_calendar.ics")
        .replace(
            b"DTEND;TZID=W. Europe Standard Time:20270328T040000",
            b"DTEND;TZID=W. Europe Standard Time:20270328T050000",
        )
        .replace(b"SEQUENCE:2\r\n", b"SEQUENCE:1\r\n", 1)
    )
    run = imported(org_a, "outlook_calendar.ics", older)
    assert row(run, uid).outcome == "skipped"
    assert row(run, uid).reasons == [
        "older than what is stored (a newer version of this event was imported before)"
    ]
    assert Appointment.objects.get(external_id=uid).end == stored.end
    # The same SEQUENCE with an older LAST-MODIFIED is older too.
    same_sequence = older.replace(b"SEQUENCE:1\r\n", b"SEQUENCE:2\r\n", 1).replace(
        b"LAST-MODIFIED:20270103T083000Z", b"LAST-MODIFIED:20270101T083000Z"
    )
    assert row(imported(org_a, "outlook_calendar.ics", same_sequence), uid).outcome == "skipped"
    # A newer one does.
    newer = older.replace(b"SEQUENCE:1\r\n", b"SEQUENCE:3\r\n", 1)
    assert row(imported(org_a, "outlook_calendar.ics", newer), uid).outcome == "updated"
    assert Appointment.objects.get(external_id=uid).end == utc("2027-03-28T03:00")


def test_times_that_dont_exist_or_happen_twice_are_resolved_the_rfc_5545_way(org_a, staff):
    run = imported(org_a, "outlook_calendar.ics")
    assert run.status == "done"
    by_title = {a.title: a for a in Appointment.objects.all()}
    # 02:30 on 28 March doesn't exist in Berlin: the offset before the gap, so 03:30 CEST.
    gap = by_title["Kontrolle (Zeitumstellung)"]
    assert (gap.start, gap.end) == (utc("2027-03-28T01:30"), utc("2027-03-28T02:00"))
    # 02:30 on 31 October happens twice: the first one, still in summer time.
    fold = by_title["Nachtermin (Winterzeit)"]
    assert (fold.start, fold.end) == (utc("2027-10-31T00:30"), utc("2027-10-31T02:00"))
    # Resolved, this one ends before it starts: that row alone is refused.
    short = run.rows.get(outcome="rejected")
    assert short.reasons == ["end before start"]
    assert "Kurztermin" not in by_title


def test_csv_local_times_are_resolved_the_same_way_and_no_row_fails_the_file(org_a):
    run = imported(org_a, "appointments_dst.csv")
    assert (run.status, run.added_count, run.rejected_count) == ("done", 3, 1)
    gap = Appointment.objects.get(external_id="DST-GAP")
    assert (gap.start, gap.end) == (utc("2027-03-14T07:30"), utc("2027-03-14T07:30"))
    assert Appointment.objects.get(external_id="DST-FOLD").start == utc("2027-11-07T05:30")
    assert run.rows.get(outcome="rejected").line == 4


def test_who_the_contact_is(org_a, staff):
    known = Contact.objects.create(
        organization=org_a, name="Anna Åström", email="anna.astrom@example.se"
    )
    imported(org_a, "google_calendar.ics")
    run = imported(org_a, "outlook_calendar.ics")
    # Never the organizer, a room or resource, or a staff member (in any case).
    emails = set(Contact.objects.values_list("email", flat=True))
    assert not {"alice@riverside.example", "beamer@riverside.example"} & {e.lower() for e in emails}
    assert not any("resource.calendar.google.com" in e or "bob@" in e.lower() for e in emails)
    # A group event gives each client an appointment of their own.
    group = Appointment.objects.filter(title="Elterngruppe").order_by("external_id")
    assert [a.contact.name for a in group] == ["Schmidt, Eva", "Müller, Hans"]
    assert [a.external_id.rsplit("#", 1)[1] for a in group] == [
        "eva.schmidt@example.de",
        "hans.mueller@example.de",
    ]
    # A CN that is an email address is no name; without one the contact is named from it.
    assert Contact.objects.get(email="lee.park@example.com").name == "Lee Park"
    assert Contact.objects.get(email="jordan.kim@example.com").name == "Jordan Kim"
    # An attendee the address book knows keeps the address book's name.
    assert Appointment.objects.get(title="Kontrolle (Zeitumstellung)").contact == known
    assert Contact.objects.filter(email="anna.astrom@example.se").count() == 1
    # A repeated SUMMARY gives its first value, never a Python list.
    assert "vText" not in str(Appointment.objects.values_list("title", flat=True))
    assert run.status == "done"


def test_encodings_and_zones(org_a, staff):
    run = imported(org_a, "calendar_windows1252.ics")
    assert run.encoding == "Windows-1252"
    first = Appointment.objects.get(external_id="termin-20270112-0930-4471@praxis.example")
    assert (first.title, first.contact.name) == ("Kontroll – Åström", "Åström, Anna")
    # Floating times are in the calendar's X-WR-TIMEZONE (Stockholm), not the clinic's New York.
    assert first.start == utc("2027-01-12T08:30")
    assert (
        "Times without a zone were read in the calendar's zone, Europe/Stockholm (X-WR-TIMEZONE)."
        in run.notes
    )
    # An unknown TZID is a warning on its row, naming the zone used instead.
    outlook = imported(org_a, "outlook_calendar.ics")
    mars = outlook.rows.get(warnings__icontains="Mars")
    assert mars.outcome == "added"
    assert mars.warnings[0] == (
        "unknown time zone “Mars/Olympus Mons” (TZID) for the start: read in America/New_York "
        "instead"
    )


def test_an_undecodable_calendar_is_refused_and_nothing_is_stored(org_a):
    from hushpost.imports.readers import ImportRefused

    with pytest.raises(ImportRefused, match="not text in any encoding"):
        imported(org_a, "junk.ics", b"BEGIN:VCALENDAR\r\n" + bytes(range(128, 256)) * 8)
    assert not Appointment.objects.exists() and not Contact.objects.exists()


def test_the_scheduler_extends_open_ended_series_as_the_horizon_moves(
    org_a, staff, settings, clock
):
    settings.HUSHPOST_RECURRENCE_HORIZON_DAYS = 28
    run = imported(org_a, "icloud_calendar.ics")
    weekly = Appointment.objects.filter(
        external_id__startswith="6B7D9A1C-3E2F-4A5B-8C9D-0E1F2A3B4C5D/"
    )
    assert weekly.count() == 4  # 4, 11, 18 and 25 January
    assert "(open-ended: later ones are added as time goes on)" in run.notes[0]
    series = RecurringSeries.objects.get()
    assert series.open_ended and "chloe.dubois" not in series.source_encrypted
    assert extend_open_series() == 0  # nothing new within the horizon yet

    clock.shift(timedelta(days=14))
    assert extend_open_series() == 2  # 1 and 8 February came within 28 days
    assert weekly.count() == 6
    assert extend_open_series() == 0
    latest = weekly.order_by("-start").first()
    assert latest.start == utc("2027-02-08T16:30") and latest.contact.name == "Chloe Dubois"


def test_history_never_triggers_messages(org_a, staff):
    from hushpost.appointments.models import AutoMessage
    from hushpost.appointments.schedule import send_due
    from hushpost.delivery.models import Delivery

    for timing, minutes in (("booked", 0), ("before_start", 24 * 60), ("after_end", 60)):
        AutoMessage.objects.create(
            organization=org_a, channel="sms", timing=timing, offset_minutes=minutes, body="Hi"
        )
    imported(org_a, "google_calendar.ics")
    past = Appointment.objects.get(title="Initial assessment")
    assert past.start < NOW
    sends = DueSend.objects.filter(appointment=past)
    assert sends.count() == 3
    assert {s.status for s in sends} == {"skipped"}
    assert all("history never triggers messages" in s.reason for s in sends)
    send_due()
    assert not Delivery.objects.filter(contact=past.contact).exists()
    # The sessions still to come get their confirmation.
    upcoming = Appointment.objects.get(external_id=f"{SERIES}/20270111T150000Z")
    assert DueSend.objects.get(appointment=upcoming, auto_message__timing="booked").status == "sent"


def test_a_client_who_left_a_group_event_has_their_appointment_cancelled(org_a, staff):
    imported(org_a, "outlook_calendar.ics")
    without_eva = fixture("outlook_calendar.ics").replace(
        b'ATTENDEE;CN="Schmidt, Eva";RSVP=TRUE:mailto:eva.schmidt@example.de\r\n', b""
    )
    run = imported(org_a, "outlook_calendar.ics", without_eva)
    eva, hans = (
        Appointment.objects.get(external_id__endswith=f"#{address}")
        for address in ("eva.schmidt@example.de", "hans.mueller@example.de")
    )
    assert eva.status == AppointmentStatus.CANCELLED
    assert hans.status == AppointmentStatus.SCHEDULED
    assert run.rows.get(uid=eva.external_id).warnings == ["no longer in the calendar: cancelled"]
