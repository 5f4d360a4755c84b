"""A staff member imports in a real browser: a contacts CSV (upload → mapping → progress →
report) and a calendar (upload → progress → report, history skipped), one set of pages."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from hushpost.appointments.models import Appointment, AutoMessage
from hushpost.contacts.models import Contact, CustomField
from hushpost.imports.models import ImportRun, ImportStatus
from tests.worker_run import run_worker

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")

CSV = (
    "Full name,Mobile,E-mail,Patient number,custom.no_such\n"
    "Jane Roe,(415) 555-0100,jane@example.com,1200,x\n"
    "Sam Poe,555-01,sam@example.com,7,\n"
    "Kim Lee,,kim@example.com,,\n"
)


def test_a_csv_import_reports_its_rejected_row(signed_in_page, org_a):
    CustomField.objects.create(
        organization=org_a, key="patient_no", label="Patient number", field_type="number"
    )
    SHOTS.mkdir(exist_ok=True)
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_role("button", name="Import CSV or vCard").click()
    page.get_by_label("File").set_input_files(
        files=[{"name": "clinic-contacts.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and import").click()

    page.get_by_role("heading", name="Map the columns").wait_for()
    assert page.get_by_label("Full name").input_value() == "name"
    assert page.get_by_label("Mobile").input_value() == "phone"
    assert page.get_by_label("Patient number").input_value() == "custom.patient_no"
    assert page.get_by_label("custom.no_such").input_value() == "custom.no_such"
    assert (
        "create it in Field settings or ignore this column" in page.get_by_role("note").inner_text()
    )
    page.screenshot(path=str(SHOTS / "import-mapping.png"), full_page=True)
    page.get_by_label("custom.no_such").select_option("ignore")
    page.get_by_role("button", name="Start import").click()

    page.get_by_role("heading", name="Import of clinic-contacts.csv").wait_for()
    assert ImportRun.objects.get().status == ImportStatus.QUEUED
    page.evaluate("window.stillThisPage = true")
    run_worker()  # no worker process runs in tests; the page updates itself and shows the result

    rejected = page.get_by_role("row", name="Sam Poe")
    rejected.wait_for(timeout=10_000)
    # Updated in place (htmx), not reloaded: the reader keeps their place and focus.
    assert page.evaluate("window.stillThisPage") is True
    assert "bad phone" in rejected.inner_text() and "Rejected" in rejected.inner_text()
    assert rejected.get_by_role("cell").first.inner_text() == "3"
    assert "Done" in page.content()
    page.screenshot(path=str(SHOTS / "import-report.png"), full_page=True)
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Jane Roe", "Kim Lee"]
    assert Contact.objects.get(name="Jane Roe").custom == {"patient_no": "1200"}


def ics_around_now() -> bytes:
    """A calendar like Google's: a weekly series begun last month, a visit last week."""
    now = timezone.now().replace(microsecond=0)
    fmt = "%Y%m%dT%H%M%SZ"
    series_start = (now - timedelta(days=28)).replace(hour=15, minute=0, second=0)
    past = (now - timedelta(days=7)).replace(hour=14, minute=0, second=0)
    lines = [
        "BEGIN:VCALENDAR",
        "PRODID:-//Google Inc//Google Calendar 70.9054//EN",
        "VERSION:2.0",
        "X-WR-TIMEZONE:America/New_York",
        "BEGIN:VEVENT",
        f"DTSTART:{series_start:{fmt}}",
        f"DTEND:{series_start + timedelta(minutes=50):{fmt}}",
        "RRULE:FREQ=WEEKLY;COUNT=10",
        "UID:weekly-therapy@google.com",
        "ORGANIZER;CN=Alice Lee:mailto:alice@riverside.example",
        "ATTENDEE;CN=Dana Reyes:mailto:dana.reyes@example.com",
        "SUMMARY:Therapy session",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"DTSTART:{past:{fmt}}",
        f"DTEND:{past + timedelta(hours=1):{fmt}}",
        "UID:initial-assessment@google.com",
        "ORGANIZER;CN=Alice Lee:mailto:alice@riverside.example",
        'ATTENDEE;CN="Poe, Sam":mailto:sam.poe@example.com',
        "SUMMARY:Initial assessment",
        "END:VEVENT",
        "BEGIN:VEVENT",
        f"DTSTART;VALUE=DATE:{now:%Y%m%d}",
        "UID:closed@google.com",
        "SUMMARY:Clinic closed",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_calendar_import_shows_its_progress_and_report_and_messages_no_history(
    signed_in_page, org_a, alice
):
    AutoMessage.objects.create(
        organization=org_a, name="Booking text", channel="sms", timing="booked", body="Booked"
    )
    SHOTS.mkdir(exist_ok=True)
    page = signed_in_page
    page.goto("/appointments/")
    page.get_by_role("button", name="Import CSV or .ics").click()
    page.get_by_role("heading", name="Import appointments").wait_for()
    page.get_by_label("File").set_input_files(
        files=[{"name": "dr-lee.ics", "mimeType": "text/calendar", "buffer": ics_around_now()}]
    )
    page.get_by_role("button", name="Upload and import").click()

    page.get_by_role("heading", name="Import of dr-lee.ics").wait_for()
    assert "Queued" in page.content() and page.locator("progress").count() == 1
    run_worker()  # the page refreshes itself and shows the result

    page.get_by_text("Done", exact=True).wait_for(timeout=10_000)
    counts = page.locator("#import-counts").inner_text()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.DONE and run.encoding == "UTF-8"
    assert f"Added\n{run.added_count}" in counts and f"Rejected\n{run.rejected_count}" in counts
    assert "Series weekly-therapy@google.com:" in page.locator("#import-notes").inner_text()
    closed = page.get_by_role("row", name="closed@google.com")
    assert "all-day event (no start time)" in closed.inner_text()
    page.screenshot(path=str(SHOTS / "import-calendar-report.png"), full_page=True)

    # Last week's visit was stored, and its booking text skipped: history sends nothing.
    past = Appointment.objects.get(external_id="initial-assessment@google.com")
    page.get_by_role("row", name="initial-assessment@google.com").get_by_role(
        "link", name="open"
    ).click()
    page.get_by_role("heading", name="What went out, or was skipped").wait_for()
    done = page.locator("#done-sends").inner_text()
    assert "Skipped" in done and "history never triggers messages" in done
    assert "Waiting" not in page.content()
    assert past.contact.name == "Poe, Sam"
    page.screenshot(path=str(SHOTS / "import-history-skipped.png"), full_page=True)
