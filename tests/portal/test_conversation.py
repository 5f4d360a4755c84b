"""/s/conversation/: the session, the thread, attachments, replies, signing out."""

from __future__ import annotations

import html
import io
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.conversations import MAX_REPLY_ATTACHMENT_BYTES, MAX_REPLY_CHARS
from hushpost.messaging.links import revoke_links
from hushpost.messaging.models import Attachment, Conversation, Direction, Message
from hushpost.portal.models import PortalSession
from hushpost.portal.sessions import COOKIE_NAME
from tests.portal.conftest import SECRET_TEXT, add_message, make_link, signed_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def jane_client(client, pin_link):
    return signed_in(client, pin_link[1])


def ended(response) -> bool:
    return response.status_code == 403 and "Your session has ended" in response.content.decode()


def test_the_conversation_shows_the_whole_thread_both_ways_newest_at_the_bottom(
    jane_client, jane, secret_message
):
    add_message(
        jane,
        "Thank you! Can I call tomorrow?",
        direction=Direction.INBOUND,
        created_at=timezone.now() + timedelta(minutes=1),
    )
    add_message(
        jane, "Of course, any time after nine.", created_at=timezone.now() + timedelta(minutes=2)
    )
    page = jane_client.get("/s/conversation/").content.decode()
    assert '<p class="portal-org">Riverside Clinic</p>' in page
    first, second, third = (
        page.index(text) for text in (SECRET_TEXT, "Can I call tomorrow?", "any time after nine")
    )
    assert first < second < third
    assert page.count('class="msg msg-theirs"') == 2 and page.count('class="msg msg-mine"') == 1
    assert page.index('id="latest"') > second
    assert (
        'name="body"' in page
        and 'name="attachment"' in page
        and 'enctype="multipart/form-data"' in page
    )
    # No staff navigation and no script on the contact's page.
    assert "<script" not in page and "Compose" not in page and "style=" not in page


def test_showing_the_conversation_is_logged(jane_client, pin_link):
    jane_client.get("/s/conversation/")
    viewed = Event.objects.get(kind=EventKind.MESSAGE_VIEWED)
    assert viewed.link == pin_link[0] and viewed.actor_label == "contact"


def test_without_a_session_the_page_says_it_ended(client, jane):
    assert ended(client.get("/s/conversation/"))
    client.cookies[COOKIE_NAME] = "made-up"
    response = client.get("/s/conversation/")
    assert ended(response) and "open the link from your message again" in response.content.decode()
    assert SECRET_TEXT not in response.content.decode()


def test_the_session_ends_after_15_minutes_without_a_request(client, pin_link):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        signed_in(client, pin_link[1])
        clock.shift(timedelta(minutes=14))
        assert client.get("/s/conversation/").status_code == 200
        # Each request pushes the end forward.
        clock.shift(timedelta(minutes=14))
        assert client.get("/s/conversation/").status_code == 200
        clock.shift(timedelta(minutes=15))
        response = client.get("/s/conversation/")
        assert ended(response)
        assert response.cookies[COOKIE_NAME].value == ""
    session = PortalSession.objects.get()
    assert session.ended_at == start + timedelta(minutes=28 + 15)


def test_revoking_the_link_ends_its_session(jane_client, jane, pin_link):
    revoke_links(jane, link=pin_link[0])
    assert ended(jane_client.get("/s/conversation/"))


def test_signing_out_ends_the_session(jane_client):
    response = jane_client.post("/s/conversation/sign-out")
    assert response.status_code == 302 and response["Location"] == "/s/signed-out/"
    assert response.cookies[COOKIE_NAME].value == ""
    assert PortalSession.objects.get().ended_at is not None
    assert "You have signed out" in jane_client.get("/s/signed-out/").content.decode()
    assert ended(jane_client.get("/s/conversation/"))


def test_an_attachment_downloads_as_a_file_and_is_never_rendered(jane_client, secret_message):
    item = secret_message.attachments.get()
    response = jane_client.get(f"/s/conversation/attachments/{item.id}/")
    assert response.status_code == 200 and response.content == b"%PDF-1.4 results"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="results.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_dangerous_stored_file_name_is_made_safe_for_the_download(jane_client, jane):
    message = add_message(
        jane, "See attached", files=[('a"b\r\nSet-Cookie: x.pdf', "text/html", b"<script>")]
    )
    response = jane_client.get(f"/s/conversation/attachments/{message.attachments.get().id}/")
    assert response["Content-Disposition"] == 'attachment; filename="a_bSet-Cookie_ x.pdf"'
    assert "Set-Cookie" not in {name for name in response.headers if name.lower() == "set-cookie"}


def test_another_contacts_attachment_is_not_found(jane_client, org_a, org_b):
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155559876")
    theirs = add_message(
        sam, "Sam's", files=[("sam.pdf", "application/pdf", b"%PDF- sam")]
    ).attachments.get()
    other_org = Contact.objects.create(organization=org_b, name="Ola Nor", phone="+447700900123")
    far = add_message(
        other_org, "Ola's", files=[("ola.pdf", "application/pdf", b"%PDF- ola")]
    ).attachments.get()
    for item in (theirs, far):
        response = jane_client.get(f"/s/conversation/attachments/{item.id}/")
        assert response.status_code == 404 and b"%PDF" not in response.content
        assert "This link is not valid" in response.content.decode()


def test_attachments_need_a_live_session(client, secret_message):
    item = secret_message.attachments.get()
    assert ended(client.get(f"/s/conversation/attachments/{item.id}/"))


def test_a_reply_is_stored_encrypted_logged_and_counted_unread(jane_client, jane, pin_link):
    text = "Thanks — what does all clear mean for my next appointment?"
    response = jane_client.post("/s/conversation/reply", {"body": text})
    assert response.status_code == 302 and response["Location"] == "/s/conversation/?sent=1#sent"
    reply = Message.objects.get(direction=Direction.INBOUND)
    assert reply.body == text and "all clear" not in reply.body_encrypted
    assert reply.contact == jane and reply.secure
    event = Event.objects.get(kind=EventKind.REPLY_RECEIVED)
    assert event.message == reply and event.link == pin_link[0] and text not in str(event.detail)
    assert Conversation.objects.get(contact=jane).unread_replies == 1

    page = jane_client.get(response["Location"]).content.decode()
    # Focus lands on the confirmation (no script: autofocus on a tabindex=-1 element).
    assert '<p class="portal-notice" role="status" id="sent" tabindex="-1" autofocus>Sent' in page
    assert page.index(text) > page.index(SECRET_TEXT)


def test_a_reply_can_carry_a_picture(jane_client):
    upload = SimpleUploadedFile("scan.PNG", PNG, content_type="application/x-anything")
    response = jane_client.post("/s/conversation/reply", {"body": "", "attachment": upload})
    assert response.status_code == 302
    item = Attachment.objects.get(message__direction=Direction.INBOUND)
    assert (item.file_name, item.content_type, item.size, item.data) == (
        "scan.PNG",
        "image/png",
        len(PNG),
        PNG,
    )
    assert b"PNG" not in item.data_encrypted.encode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"body": "   \n "}, "Write a reply or attach a file."),
        ({"body": "x" * (MAX_REPLY_CHARS + 1)}, "Your reply is too long: up to 10000 characters."),
        (
            {"body": "hi", "attachment": ("setup.exe", b"MZ\x90\x00")},
            "Files of this type can't be sent.",
        ),
        (
            {"body": "hi", "attachment": ("invoice.pdf", b"MZ\x90\x00")},
            "doesn't look like a .pdf file",
        ),
        (
            {"body": "hi", "attachment": ("page.html", b"<script>")},
            "Files of this type can't be sent.",
        ),
        (
            {"body": "hi", "attachment": ("big.pdf", b"%PDF-" + b"0" * MAX_REPLY_ATTACHMENT_BYTES)},
            "The file is too big. Files can be up to 10.0",
        ),
    ],
)
def test_a_bad_reply_is_refused_with_a_clear_error_and_nothing_stored(jane_client, data, error):
    if "attachment" in data:
        name, content = data["attachment"]
        data = {**data, "attachment": SimpleUploadedFile(name, content)}
    response = jane_client.post("/s/conversation/reply", data)
    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert error in page and 'aria-invalid="true"' in page
    assert not Message.objects.filter(direction=Direction.INBOUND).exists()
    assert not Event.objects.filter(kind=EventKind.REPLY_RECEIVED).exists()
    if data.get("body", "").strip() and len(data["body"]) < 100:
        assert ">hi</textarea>" in page  # what they wrote is kept for another try


def test_an_oversized_request_is_refused_before_it_is_read(jane_client):
    body = io.BytesIO(b"x" * 10)
    response = jane_client.generic(
        "POST",
        "/s/conversation/reply",
        body.read(),
        content_type="multipart/form-data; boundary=xx",
        CONTENT_LENGTH=str(MAX_REPLY_ATTACHMENT_BYTES + 2 * 1024 * 1024),
    )
    assert response.status_code == 413 and "That file is too big" in response.content.decode()
    assert not Message.objects.filter(direction=Direction.INBOUND).exists()


def test_a_reply_needs_a_live_session(client):
    assert ended(client.post("/s/conversation/reply", {"body": "hello"}))
    assert not Message.objects.exists()


def test_a_session_only_ever_shows_its_own_contacts_thread(client, jane, org_a):
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155559876")
    add_message(sam, "Sam's private news")
    signed_in(client, make_link(jane)[1])
    page = client.get("/s/conversation/").content.decode()
    assert "Sam's private news" not in page
