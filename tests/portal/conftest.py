"""Jane Roe, a patient of Riverside Clinic (org_a), with a secure message waiting."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from hushpost.contacts.models import Contact
from hushpost.messaging.conversations import conversation_for
from hushpost.messaging.links import create_link
from hushpost.messaging.models import Attachment, Direction, Message, Origin

SECRET_TEXT = "Your test results are ready: all clear."


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(
        organization=org_a,
        name="Jane Roe",
        phone="+14155551234",
        email="jane@example.com",
        time_zone="America/Los_Angeles",
        language="en",
    )


def add_message(contact, body, *, direction=Direction.OUTBOUND, files=(), **fields):
    message = Message(
        organization_id=contact.organization_id,
        conversation=conversation_for(contact),
        contact=contact,
        direction=direction,
        origin=Origin.COMPOSE if direction == Direction.OUTBOUND else Origin.PORTAL,
        channel="sms",
        secure=True,
        **fields,
    )
    message.body = body
    message.save()
    for name, content_type, data in files:
        item = Attachment(
            organization_id=contact.organization_id,
            message=message,
            file_name=name,
            content_type=content_type,
            size=len(data),
        )
        item.data = data
        item.save()
    return message


@pytest.fixture
def secret_message(jane):
    return add_message(
        jane, SECRET_TEXT, files=[("results.pdf", "application/pdf", b"%PDF-1.4 results")]
    )


def make_link(contact, message=None, *, pin="1234", lifetime=timedelta(hours=24), channel="sms"):
    return create_link(
        contact=contact,
        message=message,
        channel=channel,
        lifetime=lifetime,
        pin=pin,
        pin_source="contact" if pin else "",
    )


@pytest.fixture
def pin_link(jane, secret_message):
    return make_link(jane, secret_message)


@pytest.fixture
def open_link(jane, secret_message):
    return make_link(jane, secret_message, pin=None)


def signed_in(client: Client, raw: str, pin: str | None = "1234") -> Client:
    response = client.post(f"/s/{raw}", {"pin": pin} if pin else {})
    assert response.status_code == 302 and response["Location"].startswith("/s/conversation/")
    return client


def csrf_from(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
