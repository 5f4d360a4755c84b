"""A staff member imports a CSV file in a real browser and sees the row that
was rejected, and why."""

from pathlib import Path

import pytest

from hushpost.contacts.models import Contact, ContactImport, CustomField, ImportStatus
from tests.contacts.importing import run_worker

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
    page.get_by_role("button", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "clinic-contacts.csv", "mimeType": "text/csv", "buffer": CSV.encode()}]
    )
    page.get_by_role("button", name="Upload and map columns").click()

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
    assert ContactImport.objects.get().status == ImportStatus.QUEUED
    run_worker()  # no worker process runs in tests; the page refreshes itself and shows the result

    rejected = page.get_by_role("row", name="Sam Poe")
    rejected.wait_for(timeout=10_000)
    assert "bad phone" in rejected.inner_text()
    assert rejected.get_by_role("cell").first.inner_text() == "3"
    assert "Done" in page.content()
    page.screenshot(path=str(SHOTS / "import-report.png"), full_page=True)
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Jane Roe", "Kim Lee"]
    assert Contact.objects.get(name="Jane Roe").custom == {"patient_no": "1200"}
