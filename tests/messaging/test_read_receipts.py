"""R12: read receipts on the staff conversation, and "Notify me when viewed"."""

from __future__ import annotations

import email
import re

import pytest

from hushpost.delivery.models import Delivery
from hushpost.messaging.compose import send_message
from hushpost.messaging.models import Message
from tests.portal.test_scanners import BROWSER

pytestmark = pytest.mark.django_db

BODY = "Your biopsy results are benign."
LINK = re.compile(r"/s/([A-Za-z0-9_-]{40,64})")


def sent(org, alice, jane, **options):
    result = send_message(
        org, contacts=[jane], channel="sms", secure=True, body=BODY, sender=alice, **options
    )
    message = result.outcomes[0].message
    raw = LINK.search(Delivery.objects.get(message=message).body).group(1)
    return message, raw


def opening_of(alice_client, jane) -> str:
    page = alice_client.get(f"/inbox/{jane.pk}/").content.decode()
    return re.search(r'<p class="msg-opening" data-opening>(.*?)</p>', page, re.S).group(1)


def test_the_conversation_shows_when_the_contact_first_viewed_a_message(
    client, alice_client, org_a, alice, jane, secure_on
):
    message, raw = sent(org_a, alice, jane)
    assert "Not viewed yet" in opening_of(alice_client, jane)
    client.post(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    client.get("/s/conversation/")
    message.refresh_from_db()
    assert message.first_viewed_at is not None
    first = message.first_viewed_at
    client.get("/s/conversation/")  # seen again: the first time stays
    message.refresh_from_db()
    assert message.first_viewed_at == first
    assert "Viewed</span> <small>first viewed" in opening_of(alice_client, jane)


def test_a_scanners_fetch_is_not_a_view_and_says_so(
    client, alice_client, org_a, alice, jane, secure_on
):
    _message, raw = sent(org_a, alice, jane)
    client.get(f"/s/{raw}", HTTP_USER_AGENT="Mozilla/5.0 (compatible; BingPreview/1.0b)")
    opening = opening_of(alice_client, jane)
    assert "Not opened yet" in opening and "no person has opened it" in opening
    assert "Viewed" not in opening and "Opened by a person" not in opening


def test_a_person_who_opened_the_link_but_has_not_read_yet(
    client, alice_client, org_a, alice, jane, secure_on
):
    jane.secure_pin = "2468"
    jane.save()
    _message, raw = sent(org_a, alice, jane)
    client.post(f"/s/{raw}", {"pin": "0000"}, HTTP_USER_AGENT=BROWSER)
    assert "Opened by a person" in opening_of(alice_client, jane)


def test_notify_me_when_viewed_sends_one_email_with_nothing_of_the_message(
    client, org_a, alice, jane, secure_on, smtp_server, django_capture_on_commit_callbacks
):
    message, raw = sent(org_a, alice, jane, notify_when_viewed=True)
    assert message.notify_when_viewed
    client.post(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/s/conversation/")
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/s/conversation/")
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [alice.email]
    mail = email.message_from_bytes(envelope.content)
    text = mail.get_payload(decode=True).decode()
    assert mail["Subject"] == "Your secure message was viewed"
    assert f"/inbox/{jane.pk}/" in text
    assert "biopsy" not in text and "Jane" not in text and "+1415" not in text


def test_without_the_tick_no_email_is_sent(
    client, org_a, alice, jane, secure_on, smtp_server, django_capture_on_commit_callbacks
):
    _, raw = sent(org_a, alice, jane)
    client.post(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/s/conversation/")
    assert smtp_server.messages == []


def test_compose_offers_the_tick_and_keeps_it_on_the_message(alice_client, jane, secure_on):
    page = alice_client.get("/compose/").content.decode()
    assert "Notify me when viewed" in page
    response = alice_client.post(
        "/compose/",
        {
            "contacts": [str(jane.pk)],
            "channel": "sms",
            "secure": "on",
            "notify_when_viewed": "on",
            "body": BODY,
            "subject": "",
            "pin": "",
            "action": "send",
        },
    )
    assert response.status_code == 302
    assert Message.objects.get().notify_when_viewed


def test_a_plain_message_never_asks_for_a_receipt(org_a, alice, jane, secure_on):
    result = send_message(
        org_a,
        contacts=[jane],
        channel="sms",
        secure=False,
        body="Hi",
        sender=alice,
        notify_when_viewed=True,
    )
    assert result.outcomes[0].message.notify_when_viewed is False
