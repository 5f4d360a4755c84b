"""Pictures texted to us (MMS), through the real endpoint, signed as Twilio signs it,
with the media served by the Twilio stand-in over real HTTP."""

from __future__ import annotations

import base64
import os

import pytest
from twilio.request_validator import RequestValidator

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.channels import twilio_media
from hushpost.messaging import text_media
from hushpost.messaging.models import Attachment, Message
from tests.conftest import free_port
from tests.twilio_standin import TwilioStandin

pytestmark = pytest.mark.django_db

URL = "/webhooks/twilio/sms"
JANE = "+14155551234"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(2000)
PNG = b"\x89PNG\r\n\x1a\n" + os.urandom(500)


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(organization=org_a, name="Jane Roe", phone=JANE)


@pytest.fixture
def elsewhere():
    """Another server on this machine: what a forged media URL would make us reach."""
    standin = TwilioStandin(free_port())
    standin.start()
    yield standin
    standin.stop()


def mms(client, settings, *, body="", media=(), sid="MM" + "1" * 32, **extra):
    params = {
        "MessageSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": JANE,
        "To": settings.TWILIO_FROM_NUMBER,
        "Body": body,
        "NumMedia": str(len(media)),
        **extra,
    }
    for index, (url, content_type) in enumerate(media):
        params[f"MediaUrl{index}"] = url
        params[f"MediaContentType{index}"] = content_type
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.BASE_URL + URL, params
    )
    response = client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 200 and "<Message>" not in response.content.decode()
    return response


def basic_auth(standin) -> str:
    token = base64.b64encode(f"{standin.account_sid}:{standin.auth_token}".encode()).decode()
    return f"Basic {token}"


def test_a_picture_is_kept_encrypted_on_a_reply_that_says_so(
    client, settings, jane, twilio_standin, alice_client
):
    url = twilio_standin.add_media(JPEG, "image/jpeg")
    mms(client, settings, body="Is this rash normal?", media=[(url, "image/jpeg")])

    message = Message.objects.get()
    assert message.body == (
        "Is this rash normal?\n\n[Picture sent by text — attached as picture-1.jpg (2.0 KB).]"
    )
    [attachment] = message.attachments.all()
    assert (attachment.file_name, attachment.content_type, attachment.size) == (
        "picture-1.jpg",
        "image/jpeg",
        len(JPEG),
    )
    assert attachment.data == JPEG
    assert base64.b64encode(JPEG[:48]).decode() not in attachment.data_encrypted
    # Our credentials went to Twilio's API, and not to the CDN it redirected to.
    api, cdn = twilio_standin.media_requests()
    assert api.headers["Authorization"] == basic_auth(twilio_standin)
    assert cdn.path.startswith("/cdn/") and "Authorization" not in cdn.headers
    event = Event.objects.get(kind=EventKind.REPLY_RECEIVED)
    assert event.detail["attachments"] == 1 and event.detail["outside_secure_page"] is True
    # Staff see the picture with the reply.
    page = alice_client.get(f"/inbox/{jane.pk}/").content.decode()
    assert "Picture sent by text" in page
    assert f'href="/inbox/attachments/{attachment.pk}/"' in page
    assert alice_client.get(f"/inbox/attachments/{attachment.pk}/").getvalue() == JPEG


def test_pictures_without_text_are_a_reply_too_and_each_file_is_named(
    client, settings, jane, twilio_standin
):
    media = [
        (twilio_standin.add_media(JPEG, "image/jpeg"), "image/jpeg"),
        (twilio_standin.add_media(PNG, "image/png"), "image/png"),
        ("https://api.twilio.com/x", "text/vcard"),
    ]
    mms(client, settings, media=media)
    message = Message.objects.get()
    assert message.body.splitlines()[::2] == [
        "[Picture sent by text — attached as picture-1.jpg (2.0 KB).]",
        "[Picture sent by text — attached as picture-2.png (508 bytes).]",
        "[Contact card sent by text — it could not be kept: only pictures are kept from texts.]",
    ]
    assert sorted(a.file_name for a in message.attachments.all()) == [
        "picture-1.jpg",
        "picture-2.png",
    ]


def test_a_video_is_not_fetched_at_all(client, settings, jane, twilio_standin):
    url = twilio_standin.add_media(b"\x00\x00\x00\x18ftypmp42", "video/mp4")
    mms(client, settings, body="Look", media=[(url, "video/mp4")])
    assert Message.objects.get().body == (
        "Look\n\n[Video sent by text — it could not be kept: only pictures are kept from texts.]"
    )
    assert twilio_standin.media_requests() == [] and not Attachment.objects.exists()


@pytest.mark.parametrize("declare_length", [True, False], ids=["declared", "counted"])
def test_a_picture_over_the_size_limit_is_not_kept(
    client, settings, jane, twilio_standin, declare_length
):
    big = b"\xff\xd8\xff" + b"\x00" * text_media.MAX_PICTURE_BYTES
    url = twilio_standin.add_media(big, "image/jpeg", declare_length=declare_length)
    mms(client, settings, media=[(url, "image/jpeg")])
    assert Message.objects.get().body == (
        "[Picture sent by text — it could not be kept: it is larger than 5.0 MB.]"
    )
    assert not Attachment.objects.exists()


def test_a_file_that_only_claims_to_be_a_picture_is_not_kept(
    client, settings, jane, twilio_standin
):
    url = twilio_standin.add_media(b"MZ\x90\x00 this is a program", "image/jpeg")
    mms(client, settings, media=[(url, "image/jpeg")])
    assert Message.objects.get().body == (
        "[Picture sent by text — it could not be kept: it isn't the picture it claims to be.]"
    )
    assert not Attachment.objects.exists()


def test_media_twilio_serves_as_another_type_is_not_kept(client, settings, jane, twilio_standin):
    url = twilio_standin.add_media(b"<svg onload=alert(1)>", "image/svg+xml")
    mms(client, settings, media=[(url, "image/png")])
    assert Message.objects.get().body == (
        "[Picture sent by text — it could not be kept: files of type image/svg+xml aren't kept.]"
    )


def test_a_media_url_elsewhere_is_never_requested(
    client, settings, jane, twilio_standin, elsewhere
):
    # Same path shape and account as ours, on another server.
    forged = elsewhere.add_media(JPEG, "image/jpeg").replace(
        elsewhere.account_sid, twilio_standin.account_sid
    )
    other_account = elsewhere.add_media(JPEG, "image/jpeg").replace(
        elsewhere.url, twilio_standin.url
    )
    mms(
        client,
        settings,
        media=[
            (forged, "image/jpeg"),
            (other_account, "image/jpeg"),
            ("http://169.254.169.254/latest/meta-data/", "image/jpeg"),
        ],
    )
    note = (
        "[Picture sent by text — it could not be kept: "
        "its address is not one of our Twilio account's media.]"
    )
    assert Message.objects.get().body.split("\n\n") == [note] * 3
    assert elsewhere.requests == [] and twilio_standin.requests == []


def test_a_redirect_away_from_twilio_is_not_followed(
    client, settings, jane, twilio_standin, elsewhere
):
    target = elsewhere.add_media(JPEG, "image/jpeg")
    url = twilio_standin.add_media(JPEG, "image/jpeg", redirect_to=target)
    mms(client, settings, media=[(url, "image/jpeg")])
    assert Message.objects.get().body == (
        "[Picture sent by text — it could not be kept: "
        "Twilio sent it from an address we don't fetch from.]"
    )
    assert elsewhere.requests == []


def test_twilio_cdn_hosts_are_the_only_redirect_targets(settings):
    settings.TWILIO_API_BASE_URL = "https://api.twilio.com"
    allowed = twilio_media._is_twilio_cdn
    assert allowed("https://mms.twiliocdn.com/AC1/abc?Expires=1&Signature=x")
    assert allowed("https://s3-external-1.amazonaws.com/media.twiliocdn.com/AC1/abc")
    assert not allowed("http://mms.twiliocdn.com/AC1/abc")
    assert not allowed("https://s3-external-1.amazonaws.com/someone-elses-bucket/abc")
    assert not allowed("https://mms.twiliocdn.com.evil.example/abc")
    assert not allowed("https://127.0.0.1/abc")


def test_media_twilio_no_longer_has_is_said_so(client, settings, jane, twilio_standin):
    url = twilio_standin.add_media(JPEG, "image/jpeg")
    twilio_standin.media.clear()
    mms(client, settings, media=[(url, "image/jpeg")])
    assert Message.objects.get().body == (
        "[Picture sent by text — it could not be kept: Twilio answered 404.]"
    )


def test_a_slow_twilio_does_not_hold_the_webhook(
    client, settings, jane, twilio_standin, monkeypatch
):
    monkeypatch.setattr(twilio_media, "TIMEOUT", (1.0, 0.2))
    url = twilio_standin.add_media(JPEG, "image/jpeg", delay=1.0)
    mms(client, settings, body="Photo", media=[(url, "image/jpeg")])
    assert Message.objects.get().body == (
        "Photo\n\n[Picture sent by text — it could not be kept: "
        "it could not be fetched from Twilio (ReadTimeout).]"
    )


def test_files_left_when_the_deadline_has_passed_are_not_fetched(settings, twilio_standin):
    url = twilio_standin.add_media(JPEG, "image/jpeg")
    params = {"NumMedia": "1", "MediaUrl0": url, "MediaContentType0": "image/jpeg"}
    media = text_media.collect_media(params, now=-text_media.FETCH_SECONDS - 1)
    assert media.files == []
    assert media.notes == [
        "[Picture sent by text — it could not be kept: Twilio took too long to send it.]"
    ]
    assert twilio_standin.requests == []


def test_a_repeated_webhook_fetches_and_stores_once(client, settings, jane, twilio_standin):
    url = twilio_standin.add_media(JPEG, "image/jpeg")
    for _ in range(2):
        mms(client, settings, media=[(url, "image/jpeg")], sid="MMrepeat")
    assert Message.objects.count() == 1 and Attachment.objects.count() == 1
    assert len(twilio_standin.media_requests()) == 2  # one API request, one CDN request
