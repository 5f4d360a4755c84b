"""Email opens (R7.2) through the real SMTP server and the pixel's URL."""

import email
import re

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.send import send_delivery

pytestmark = pytest.mark.django_db


def html_of(envelope) -> str:
    for part in email.message_from_bytes(envelope.content).walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode()
    raise AssertionError("no HTML part")


def test_an_email_carries_a_pixel_and_its_first_fetch_logs_the_open(
    client, settings, queue, smtp_server
):
    delivery = queue("email", subject="A secure message")
    assert send_delivery(delivery.pk)
    html = html_of(smtp_server.messages[0])
    url = re.search(r'<img src="([^"]+)" width="1" height="1" alt="">', html).group(1)
    assert url.startswith(settings.BASE_URL + "/o/") and str(delivery.pk) in url
    path = url.removeprefix(settings.BASE_URL)
    for _ in range(3):
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "image/gif"
        assert "no-store" in response["Cache-Control"]
    event = Event.objects.get(kind=EventKind.EMAIL_OPENED)
    assert event.delivery == delivery and event.contact == delivery.contact


def test_a_forged_or_tampered_pixel_logs_nothing_and_looks_the_same(client, queue):
    delivery = queue("email", subject="A secure message")
    for path in (f"/o/{delivery.pk}.gif", f"/o/{delivery.pk}:forged.gif", "/o/nonsense.gif"):
        response = client.get(path)
        assert response.status_code == 200 and response["Content-Type"] == "image/gif"
    assert not Event.objects.filter(kind=EventKind.EMAIL_OPENED).exists()


def test_texts_carry_no_pixel(twilio_standin, queue):
    delivery = queue("sms")
    assert send_delivery(delivery.pk)
    assert "/o/" not in twilio_standin.requests[0].form["Body"]
