import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tasks_db.models import DBTaskResult

from hushpost.contacts.models import CustomField, OnDuplicate
from hushpost.imports.models import ImportRun, ImportStatus
from hushpost.imports.pipeline import MAX_UPLOAD_BYTES, run_import
from tests.contacts.importing import make_import

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, name="contacts.csv"):
    return client.post(
        "/contacts/import/", {"file": SimpleUploadedFile(name, content, content_type="text/csv")}
    )


def mapping_post(contact_import, targets, on_duplicate=OnDuplicate.REPORT):
    data = {f"col_{index}": target for index, target in enumerate(targets)}
    data["on_duplicate"] = on_duplicate
    return data


def test_an_upload_is_stored_encrypted_and_leads_to_the_mapping_page(alice_client, org_a, alice):
    response = upload(
        alice_client, "\ufeffName;Mobile;E-mail\nJane Roe;415 555 0100;jane@example.com\n".encode()
    )
    contact_import = ImportRun.objects.get()
    assert (
        response.status_code == 302
        and response["Location"] == f"/imports/{contact_import.pk}/mapping/"
    )
    assert (contact_import.organization, contact_import.created_by) == (org_a, alice)
    assert contact_import.headers == ["Name", "Mobile", "E-mail"]
    assert contact_import.total_rows == 1 and contact_import.status == ImportStatus.MAPPING
    assert "Jane" not in contact_import.content_encrypted
    assert "Jane Roe" in contact_import.content


@pytest.mark.parametrize(
    "content, error",
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not text in any encoding we recognise"),
        (b"Jane Roe,jane@example.com\n", "Add a header row"),
        (b"Name,Email,email\nJane,a@example.com,b@example.com\n", "Two columns have the same name"),
        (b"Name,Email\n" + b"a,b\n" * 50_001, "import at most 50,000"),
    ],
)
def test_it_explains_what_is_wrong_with_an_upload(alice_client, content, error):
    response = upload(alice_client, content)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ImportRun.objects.exists()


def test_it_asks_for_a_file(alice_client):
    response = alice_client.post("/contacts/import/", {})
    assert "Choose a file to upload" in response.content.decode()


def test_it_refuses_a_file_over_the_size_limit(alice_client):
    response = upload(
        alice_client, b"Name,Email\n" + b"a,b@example.com\n" * (MAX_UPLOAD_BYTES // 16 + 1)
    )
    assert response.status_code == 200
    assert "larger than 10 MB" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_far_over_the_limit_is_refused_before_it_is_read(alice_client):
    response = upload(alice_client, b"x" * (MAX_UPLOAD_BYTES + 200_000))
    assert "larger than 10 MB" in response.content.decode()


def test_an_upload_never_touches_the_disk_unencrypted(alice_client, monkeypatch, settings):
    from django.core.files import uploadedfile

    def refuse(*args, **kwargs):
        raise AssertionError("the upload went to a temporary file")

    monkeypatch.setattr(uploadedfile.TemporaryUploadedFile, "__init__", refuse)
    # Over the 2.5 MB that Django keeps in memory by default.
    rows = b"".join(
        b"Person %05d of the clinic's rather long list,p%05d@example.com\n" % (i, i)
        for i in range(45_000)
    )
    assert len(rows) > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    assert upload(alice_client, b"Name,Email\n" + rows).status_code == 302


def test_the_upload_page_lists_this_organizations_recent_imports(alice_client, org_a, org_b):
    make_import(org_a, "Name,Email\nA,a@example.com\n")
    theirs = make_import(org_b, "Name,Email\nB,b@example.com\n")
    theirs.file_name = "theirs.csv"
    theirs.save()
    body = alice_client.get("/contacts/import/").content.decode()
    assert "contacts.csv" in body and "theirs.csv" not in body


def test_the_mapping_page_preselects_columns_and_shows_three_sample_rows(alice_client, org_a):
    CustomField.objects.create(
        organization=org_a, key="patient_no", label="Patient number", field_type="number"
    )
    rows = "".join(f"Person {i},+1415555010{i},p{i}@example.com,{i},\n" for i in range(5))
    contact_import = make_import(
        org_a, "Full name,Phone number,Email,Patient Number,custom.no_such\n" + rows, queued=False
    )
    response = alice_client.get(f"/imports/{contact_import.pk}/mapping/")
    form = response.context["form"]
    assert [form[f"col_{i}"].value() for i in range(5)] == [
        "name",
        "phone",
        "email",
        "custom.patient_no",
        "custom.no_such",
    ]
    body = response.content.decode()
    assert "Person 2" in body and "Person 3" not in body
    assert (
        "unknown field" in body.lower() and "create it in" in body and "ignore this column" in body
    )


def test_mapping_starts_the_import_and_queues_it_on_commit(
    alice_client, org_a, django_capture_on_commit_callbacks
):
    contact_import = make_import(org_a, "Name,Email,Notes\nJane,j@example.com,x\n", queued=False)
    with django_capture_on_commit_callbacks(execute=True):
        response = alice_client.post(
            f"/imports/{contact_import.pk}/mapping/",
            mapping_post(contact_import, ["name", "email", "ignore"], OnDuplicate.UPDATE),
        )
    assert response.status_code == 302 and response["Location"] == f"/imports/{contact_import.pk}/"
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.QUEUED
    assert contact_import.mapping == {"0": "name", "1": "email", "2": "ignore"}
    assert contact_import.options["on_duplicate"] == OnDuplicate.UPDATE
    assert DBTaskResult.objects.get().args_kwargs["args"] == [str(contact_import.pk)]


@pytest.mark.parametrize(
    "targets, error",
    [
        (["ignore", "email", "ignore"], "Choose the column that holds the contact&#x27;s name"),
        (["name", "ignore", "ignore"], "Choose a column for the mobile phone or the email"),
        (["name", "email", "email"], "are both mapped to Email"),
        (["name", "email", "custom.made_up"], "Select a valid choice"),
    ],
)
def test_it_refuses_a_mapping_that_cannot_import(alice_client, org_a, targets, error):
    contact_import = make_import(
        org_a, "Name,Email,Other email\nJane,j@example.com,x@example.com\n", queued=False
    )
    response = alice_client.post(
        f"/imports/{contact_import.pk}/mapping/", mapping_post(contact_import, targets)
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.MAPPING


def test_a_started_import_cannot_be_mapped_again(alice_client, org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\n")
    response = alice_client.post(
        f"/imports/{contact_import.pk}/mapping/",
        mapping_post(contact_import, ["name", "email"]),
    )
    assert response.status_code == 302 and response["Location"] == f"/imports/{contact_import.pk}/"


def test_the_progress_page_refreshes_itself_until_the_import_is_done(alice_client, org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\nBad,nope\n")
    url = f"/imports/{contact_import.pk}/"
    body = alice_client.get(url).content.decode()
    # htmx swaps the live part in place; only a browser without JavaScript reloads the page.
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in body
    assert f'<div id="import-progress" hx-get="{url}" hx-trigger="every 2s"' in body
    assert '<progress value="0" max="2"' in body
    run_import(contact_import.pk)
    body = alice_client.get(url).content.decode()
    assert "http-equiv" not in body and "hx-get" not in body
    assert '<progress value="2" max="2"' in body
    assert "Bad" in body and "bad email" in body
    assert f"/imports/{contact_import.pk}/rejected.csv" in body


def test_the_rejected_rows_download_as_csv(alice_client, org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\nBad,nope\n")
    run_import(contact_import.pk)
    response = alice_client.get(f"/imports/{contact_import.pk}/rejected.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8-sig").splitlines() == [
        "Name,Email,rejected because",
        "Bad,nope,bad email",
    ]


def test_a_member_can_import(bob_client, org_a):
    assert upload(bob_client, b"Name,Email\nJane,j@example.com\n").status_code == 302


def test_another_organizations_import_is_not_found(alice_client, org_b):
    theirs = make_import(org_b, "Name,Email\nHidden,hidden@example.com\n", queued=False)
    for suffix in ("", "mapping/", "rejected.csv"):
        assert alice_client.get(f"/imports/{theirs.pk}/{suffix}").status_code == 404
    response = alice_client.post(
        f"/imports/{theirs.pk}/mapping/", mapping_post(theirs, ["name", "email"])
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ImportStatus.MAPPING


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get("/contacts/import/")["Location"].startswith("/accounts/login/")
