"""/api/v1/imports: upload, follow, read the per-row report — the same pipeline as the staff app."""

import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import Appointment
from hushpost.contacts.models import Contact
from hushpost.imports.models import ImportRun
from hushpost.imports.pipeline import MAX_UPLOAD_BYTES
from tests.api.helpers import assert_problem, field_errors
from tests.imports.fixtures import fixture
from tests.worker_run import run_worker

CSV = b"Name,Mobile,E-mail\nJane Roe,(415) 555-0100,jane@example.com\nBad,555-01,\n"


def post(api, kind="contacts", data=CSV, name="contacts.csv", **fields):
    form = {"kind": kind, "file": SimpleUploadedFile(name, data), **fields}
    return api.upload("imports", {k: v for k, v in form.items() if v is not None})


@pytest.mark.django_db(transaction=True)
def test_an_upload_is_accepted_run_by_the_worker_and_reported_row_by_row(api, org_a):
    created = post(api)
    assert created.status_code == 202, created.content
    run_id = created.json()["id"]
    assert created.json() == {"id": run_id, "kind": "contacts", "status": "queued"}
    assert DBTaskResult.objects.get().args_kwargs["args"] == [run_id]

    run_worker()

    got = api.get(f"imports/{run_id}").json()
    assert got["status"] == "done" and got["encoding"] == "UTF-8" and got["reason"] == ""
    assert got["counts"] == {"added": 1, "updated": 0, "unchanged": 0, "skipped": 0, "rejected": 1}
    assert (got["rows_total"], got["rows_done"], got["format"]) == (2, 2, "csv")
    rows = api.get(f"imports/{run_id}/rows").json()
    assert rows == {
        "items": [
            {"line": 2, "uid": "", "outcome": "added", "reason": ""},
            {
                "line": 3,
                "uid": "",
                "outcome": "rejected",
                "reason": "bad phone (not a valid mobile number; add the country code)",
            },
        ],
        "count": 2,
    }
    only = api.get(f"imports/{run_id}/rows", {"outcome": "rejected", "limit": 1}).json()
    assert only["count"] == 1 and only["items"][0]["line"] == 3
    assert Contact.objects.get().phone == "+14155550100"
    event = Event.objects.get(kind=EventKind.CONTACTS_IMPORTED)
    assert event.actor_label.startswith("api: ") and event.actor is None


@pytest.mark.django_db
def test_a_mapping_names_columns_by_their_header(api, org_a):
    data = b"Who,Cell,Notes\nJane Roe,(415) 555-0100,x\n"
    mapping = json.dumps({"Who": "name", "Cell": "phone"})
    created = post(api, data=data, mapping=mapping)
    assert created.status_code == 202
    run = ImportRun.objects.get()
    assert run.mapping == {"0": "name", "1": "phone", "2": "ignore"}
    assert run.source == "api" and run.status == "queued"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "fields, field, message",
    [
        ({"mapping": "{nope"}, "mapping", "Give the mapping as JSON"),
        ({"mapping": '["name"]'}, "mapping", "object of strings"),
        ({"mapping": '{"Nope": "name"}'}, "mapping", "The file has no column “Nope”."),
        ({"mapping": '{"Name": "shoe_size"}'}, "mapping", "is not a target"),
        ({"mapping": '{"Name": "name"}'}, "mapping", "mobile phone or the email"),
        ({"kind": "pets"}, "kind", ""),
        ({"file": None}, "file", "Send the file"),
    ],
)
def test_a_request_that_is_itself_wrong_is_a_422_and_stores_nothing(
    api, org_a, fields, field, message
):
    form = {"kind": "contacts", "file": SimpleUploadedFile("c.csv", CSV), **fields}
    response = api.upload("imports", {k: v for k, v in form.items() if v is not None})
    errors = field_errors(response)
    assert field in errors and message in errors[field]
    assert not ImportRun.objects.exists() and not Contact.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "data, reason",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "not text in any encoding"),
        (b"", "The file is empty."),
        (b"Jane Roe,jane@example.com\n", "Add a header row"),
    ],
)
def test_a_file_refused_as_a_whole_is_a_failed_import_that_stored_nothing(api, org_a, data, reason):
    created = post(api, data=data)
    assert created.status_code == 202 and created.json()["status"] == "failed"
    got = api.get(f"imports/{created.json()['id']}").json()
    assert got["status"] == "failed" and reason in got["reason"]
    assert got["counts"]["added"] == 0
    assert not Contact.objects.exists()
    assert ImportRun.objects.get().content_encrypted == ""


@pytest.mark.django_db
def test_a_file_over_the_limit_is_a_422(api, org_a):
    big = b"Name,Email\n" + b"x" * (MAX_UPLOAD_BYTES + 1)
    assert "larger than 10 MB" in field_errors(post(api, data=big))["file"]
    assert not ImportRun.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_calendar_import_reports_occurrences_by_uid(api, org_a, alice):
    with time_machine.travel("2027-01-04T13:00:00Z", tick=False):
        created = post(api, kind="appointments", data=fixture("google_calendar.ics"), name="g.ics")
        assert created.status_code == 202
        run_worker()
        run_id = created.json()["id"]
        got = api.get(f"imports/{run_id}").json()
    assert got["status"] == "done" and got["format"] == "ics"
    assert any(
        note.startswith("Series 5q0v2b8k1m3n4p6r7s9t0u1v2w@google.com: 8") for note in got["notes"]
    )
    rows = api.get(f"imports/{run_id}/rows", {"limit": 200}).json()["items"]
    by_uid = {row["uid"]: row for row in rows}
    assert by_uid["5q0v2b8k1m3n4p6r7s9t0u1v2w@google.com/20270111T150000Z"]["outcome"] == "added"
    assert by_uid["holiday-mlk-2027@google.com"]["outcome"] == "rejected"
    assert all(row["line"] is None for row in rows)
    assert Appointment.objects.filter(organization=org_a).count() == got["counts"]["added"]


@pytest.mark.django_db
def test_another_organizations_import_is_not_found(api, api_b):
    theirs = post(api_b).json()["id"]
    assert_problem(api.get(f"imports/{theirs}"), 404)
    assert_problem(api.get(f"imports/{theirs}/rows"), 404)
    assert_problem(api.get("imports/not-a-uuid"), 404)


@pytest.mark.django_db
def test_an_upload_never_touches_the_disk_unencrypted(api, monkeypatch, settings):
    from django.core.files import uploadedfile

    def refuse(*args, **kwargs):
        raise AssertionError("the upload went to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    rows = b"".join(
        b"Person %05d with a long name,p%05d@example.com\n" % (i, i) for i in range(80_000)
    )
    assert len(rows) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert post(api, data=b"Name,Email\n" + rows).status_code == 202
