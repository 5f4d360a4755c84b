"""Helpers for the secure page: messages, links, a signed-in client. Jane Roe and her secure
message (the `jane`, `secret_message` and `pin_link` fixtures) are in tests/conftest.py."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client

from hushpost.messaging.conversations import conversation_for
from hushpost.messaging.links import create_link
from hushpost.messaging.models import Attachment, Direction, Message, Origin

SECRET_TEXT = "Your test results are ready: all clear."


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
def open_link(jane, secret_message):
    return make_link(jane, secret_message, pin=None)


def signed_in(client: Client, raw: str, pin: str | None = "1234") -> Client:
    response = client.post(f"/s/{raw}", {"pin": pin} if pin else {})
    assert response.status_code == 302 and response["Location"].startswith("/s/conversation/")
    return client


def csrf_from(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
