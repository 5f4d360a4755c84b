"""What the staff inbox does, through the API: the list, replies with files, read marks,
downloads — each read of content logged as a view by the key."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.models import Attachment, Conversation, Direction, Message
from tests.api.helpers import assert_problem, field_errors, make_contact
from tests.api.test_conversations import add_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def inbox(org_a, dana, alice):
    """Three conversations: Dana's with an unread reply (assigned to alice), Eli's
    answered by the clinic, Fay's oldest."""
    eli = make_contact(org_a, "Eli Park", phone="+14155550124", email="eli@example.com")
    fay = make_contact(org_a, "Fay Lin", phone="+14155550125", email="fay@example.com")
    add_message(fay, Direction.OUTBOUND, "Fay, old news", 300)
    add_message(eli, Direction.INBOUND, "Eli asks", 200)
    add_message(eli, Direction.OUTBOUND, "Clinic answers Eli", 100)
    add_message(dana, Direction.INBOUND, "Dana asks", 10)
    now = timezone.now()
    for contact, minutes in ((fay, 300), (eli, 100), (dana, 10)):
        Conversation.objects.filter(contact=contact).update(
            last_activity_at=now - dt.timedelta(minutes=minutes)
        )
    Conversation.objects.filter(contact=dana).update(unread_replies=1, assigned_to=alice)
    return dana, eli, fay


def test_the_inbox_lists_conversations_newest_first(api, inbox, alice):
    dana = inbox[0]
    body = api.get("conversations").json()
    assert body["count"] == 3 and body["next_cursor"] is None
    assert [item["contact_name"] for item in body["items"]] == ["Dana Reyes", "Eli Park", "Fay Lin"]
    first = body["items"][0]
    assert first == {
        "contact_id": str(dana.pk),
        "contact_name": "Dana Reyes",
        "unread": 1,
        "last_message_at": first["last_message_at"],
        "last_direction": "inbound",
        "assigned_to": alice.email,
    }
    assert body["items"][1]["last_direction"] == "outbound"
    # Listing shows no content, so it is not logged as a view.
    assert not Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).exists()


def test_the_inbox_filters_by_unread_and_by_who_it_is_assigned_to(api, inbox, alice):
    def names(**query):
        return [item["contact_name"] for item in api.get("conversations", query).json()["items"]]

    assert names(unread="true") == ["Dana Reyes"]
    assert names(unread="false") == ["Eli Park", "Fay Lin"]
    assert names(assigned_to="ALICE@riverside.example") == ["Dana Reyes"]
    assert names(assigned_to="none") == ["Eli Park", "Fay Lin"]
    unknown = api.get("conversations", {"assigned_to": "nobody@riverside.example"})
    assert "No staff member" in field_errors(unknown)["assigned_to"]


def test_a_cursor_reads_on_where_it_left_off_while_new_conversations_arrive(api, inbox, org_a):
    page1 = api.get("conversations", {"limit": 2}).json()
    assert [item["contact_name"] for item in page1["items"]] == ["Dana Reyes", "Eli Park"]
    newcomer = make_contact(org_a, "Gus New", phone="+14155550126", email="gus@example.com")
    add_message(newcomer, Direction.INBOUND, "Hello?", 0)
    page2 = api.get("conversations", {"limit": 2, "cursor": page1["next_cursor"]}).json()
    # With an offset the newcomer would push Eli onto this page a second time.
    assert [item["contact_name"] for item in page2["items"]] == ["Fay Lin"]
    assert page2["next_cursor"] is None and page2["count"] == 4
    bad = api.get("conversations", {"cursor": "not-a-cursor"})
    assert "cursor" in field_errors(bad)
    api.patch(f"contacts/{inbox[0].pk}", {"name": "Dana R."})  # a second event to page to
    events_cursor = api.get("events", {"limit": 1}).json()["next_cursor"]
    assert "cursor" in field_errors(api.get("conversations", {"cursor": events_cursor}))
    both = api.get("conversations", {"cursor": page1["next_cursor"], "offset": 1})
    assert field_errors(both)["cursor"] == "Give a cursor or an offset, not both."


def test_events_page_by_cursor_too(api, org_a, dana):
    for name in ("A", "B", "C"):
        api.patch(f"contacts/{dana.pk}", {"name": name})
    first = api.get("events", {"limit": 2}).json()
    assert first["count"] == 4  # the key's api_key_created, then three changes
    api.patch(f"contacts/{dana.pk}", {"name": "D"})  # a new event at the top
    rest = api.get("events", {"limit": 2, "cursor": first["next_cursor"]}).json()
    seen = [item["id"] for item in first["items"] + rest["items"]]
    assert len(seen) == len(set(seen)) == 4 and rest["next_cursor"] is None
    assert seen == sorted(seen, reverse=True)


def test_a_reply_follows_composes_rules_and_is_secure_by_default(api, dana, secure_on, org_a):
    sent = api.post(
        f"conversations/{dana.pk}/messages", {"channel": "sms", "body": "Results are in."}
    )
    assert sent.status_code == 202, sent.content
    [delivery] = sent.json()["deliveries"]
    assert (delivery["contact_id"], delivery["status"]) == (str(dana.pk), "queued")
    message = Message.objects.get(contact=dana)
    assert message.secure and message.body == "Results are in." and message.origin == "api"
    voice = api.post(f"conversations/{dana.pk}/messages", {"channel": "voice", "body": "Hi"})
    assert "voice call" in field_errors(voice)["channel"]


def test_a_reply_to_someone_who_opted_out_is_held_with_the_reason(api, dana, secure_on):
    dana.sms_opt_out = True
    dana.save()
    sent = api.post(f"conversations/{dana.pk}/messages", {"channel": "sms", "body": "Hi"})
    assert sent.status_code == 202
    assert sent.json()["deliveries"][0]["status"] == "held"
    assert "opted out" in sent.json()["deliveries"][0]["reason"]


def test_files_go_with_a_reply_as_multipart(api, dana, secure_on):
    files = [
        _upload("results.pdf", b"%PDF-1.4 the results", "application/pdf"),
        _upload("scan.png", b"\x89PNG\r\n\x1a\nscan", "image/png"),
    ]
    response = Client(headers={"Authorization": f"Bearer {api.raw_key}"}).post(
        f"/api/v1/conversations/{dana.pk}/messages",
        {"payload": '{"channel": "email", "body": "Your results, attached."}', "files": files},
    )
    assert response.status_code == 202, response.content
    message = Message.objects.get(contact=dana)
    stored = {item.file_name: item.data for item in message.attachments.all()}
    assert stored == {"results.pdf": b"%PDF-1.4 the results", "scan.png": b"\x89PNG\r\n\x1a\nscan"}
    stored_pdf = Attachment.objects.get(file_name="results.pdf").data_encrypted
    assert "the results" not in stored_pdf


def _upload(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_files_are_held_in_memory_never_in_a_temporary_file(api, dana, secure_on, settings):
    # A temporary file would be written here, which doesn't exist: the request would fail.
    settings.FILE_UPLOAD_TEMP_DIR = "/nonexistent/hushpost-uploads"
    scan = _upload("scan.pdf", b"%PDF-" + b"0" * (3 * 1024 * 1024), "application/pdf")
    assert scan.size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE  # Django would spill this to disk
    response = Client(headers={"Authorization": f"Bearer {api.raw_key}"}).post(
        f"/api/v1/conversations/{dana.pk}/messages",
        {"payload": '{"channel": "email", "body": "The scan."}', "files": [scan]},
    )
    assert response.status_code == 202, response.content
    assert Message.objects.get(contact=dana).attachments.get().size == scan.size


def test_multipart_mistakes_are_named(api, dana, secure_on):
    client = Client(headers={"Authorization": f"Bearer {api.raw_key}"})
    url = "/api/v1/messages"
    no_payload = client.post(url, {"files": [_upload("a.txt", b"a", "text/plain")]})
    assert "payload" in field_errors(no_payload)
    not_json = client.post(url, {"payload": "{nope"})
    assert assert_problem(not_json, 400)["detail"].startswith("The body is not JSON")
    wrong_field = client.post(
        url,
        {
            "payload": f'{{"contact_ids": ["{dana.pk}"], "channel": "email", "body": "x"}}',
            "file": [_upload("a.txt", b"a", "text/plain")],
        },
    )
    assert field_errors(wrong_field)["file"] == "Send files in form fields named files."
    too_many = client.post(
        url,
        {
            "payload": f'{{"contact_ids": ["{dana.pk}"], "channel": "email", "body": "x"}}',
            "files": [_upload(f"{i}.txt", b"a", "text/plain") for i in range(6)],
        },
    )
    assert field_errors(too_many)["attachments"] == "At most 5 files."
    sms_files = client.post(
        url,
        {
            "payload": f'{{"contact_ids": ["{dana.pk}"], "channel": "sms", "secure": false, '
            '"body": "x"}',
            "files": [_upload("a.txt", b"a", "text/plain")],
        },
    )
    assert "can't carry files" in field_errors(sms_files)["attachments"]
    other_type = client.post(url, "x=1", content_type="application/x-www-form-urlencoded")
    assert assert_problem(other_type, 415)["detail"].startswith("Send application/json")
    assert not Message.objects.exists()


def test_an_oversized_upload_is_refused_before_it_is_read(api, dana, secure_on):
    big = _upload("big.bin", b"0" * (10 * 1024 * 1024 + 1), "application/octet-stream")
    response = Client(headers={"Authorization": f"Bearer {api.raw_key}"}).post(
        "/api/v1/messages",
        {
            "payload": f'{{"contact_ids": ["{dana.pk}"], "channel": "email", "body": "x"}}',
            "files": [big],
        },
    )
    assert "big.bin is over 10 MB." in field_errors(response)["files"]


def test_marking_read_clears_unread_for_staff_and_is_logged(api, inbox, org_a):
    dana = inbox[0]
    marked = api.post(f"conversations/{dana.pk}/read")
    assert marked.status_code == 200, marked.content
    assert marked.json()["unread"] == 0 and marked.json()["contact_id"] == str(dana.pk)
    assert Conversation.objects.get(contact=dana).unread_replies == 0
    assert not Message.objects.filter(contact=dana, read_at__isnull=True, direction="inbound")
    event = Event.objects.get(kind=EventKind.STAFF_VIEWED_CONVERSATION, contact=dana)
    assert event.actor_label == "api: Booking system"


def test_a_contact_without_a_conversation_reads_as_empty(api, org_a):
    nobody = make_contact(org_a, "New Person", phone="+14155550999", email="new@example.com")
    marked = api.post(f"conversations/{nobody.pk}/read")
    assert marked.json()["unread"] == 0 and marked.json()["last_message_at"] is None


def test_an_attachment_downloads_as_a_file_and_the_download_is_logged(api, dana):
    message = add_message(dana, Direction.INBOUND, "see file", 1, attachment="form.pdf")
    item = message.attachments.get()
    response = api.get(f"attachments/{item.pk}")
    assert response.status_code == 200
    assert response.content == b"%PDF" and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    event = Event.objects.get(kind=EventKind.STAFF_VIEWED_CONVERSATION)
    assert (event.contact_id, event.message_id, event.detail["attachment"]) == (
        dana.pk,
        message.pk,
        str(item.pk),
    )
    assert event.actor_label == "api: Booking system"


def test_another_organizations_attachment_is_404_and_not_logged(api, hidden):
    item = add_message(hidden, Direction.INBOUND, "theirs", 1, attachment="x.pdf").attachments.get()
    assert_problem(api.get(f"attachments/{item.pk}"), 404)
    assert not Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).exists()
