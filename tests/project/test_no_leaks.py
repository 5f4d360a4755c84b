"""Nothing sensitive where it shouldn't be, over a whole round trip through a real `hushpost web`.

An integration sends a secure text message and a secure email (distinctive
content, a PIN) through the API of a real gunicorn process; each delivery
goes out to the Twilio stand-in over HTTP or a real SMTP server; the contact
opens the link from what the provider received, types a wrong PIN and the
right one, reads, and replies with a file; alice signs in and reads the reply.
Then everything is searched: every request the providers received (headers,
form, URL, every decoded MIME part), every log line (this process at DEBUG
for all loggers, and the web process's stderr at DEBUG and its access log),
and every URL requested and redirected to. No message content, reply, file
content or PIN appears anywhere, and the link token only in the link itself,
in the notification's body and in the request that opened it.

(tests/browser/test_round_trip.py walks the same trip in chromium with a
worker process and checks the browser's side.)
"""

from __future__ import annotations

import logging
import re

import pytest
import requests
from django.contrib.auth.hashers import Argon2PasswordHasher

from hushpost.accounts.api_keys import create_key
from hushpost.activity.models import Event
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, OutboxEntry
from hushpost.delivery.send import send_delivery
from hushpost.messaging.models import Direction, Message
from tests.browser.test_round_trip import smtp_texts, twilio_texts
from tests.conftest import PASSWORD
from tests.real_web import start_web

pytestmark = pytest.mark.django_db(transaction=True)

PIN = "QZ7K31"
SECRETS = {
    "sms": "Leak canary SMS: your biopsy 7QX3 came back benign",
    "email": "Leak canary email: invoice 9ZW8 is overdue",
}
REPLY = "Reply canary: thanks, call me about 5KM2"
FILE_CONTENT = b"Attachment canary 3JP9: lab values"
CSRF = "c" * 32


@pytest.fixture
def world(settings, org_a, alice, secure_on, twilio_standin, smtp_server, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # every logger, every level
    settings.SMTP_HOST = "127.0.0.1"
    # The web process checks passwords with the production hashers.
    alice.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    alice.save()
    jane = Contact.objects.create(
        organization=org_a,
        name="Jane Roe",
        phone="+14155551234",
        email="jane.roe@example.com",
        language="en",
    )
    web = start_web(tmp_path, workers=2, env={"HUSHPOST_LOG_LEVEL": "DEBUG"})
    yield web, jane, create_key(org_a, "Leak check", created_by=alice)[1]
    web.stop()


class Browser:
    """A requests session that remembers every URL it asked for or was sent to."""

    def __init__(self, base: str):
        self.base = base
        self.session = requests.Session()
        self.session.cookies.set("csrftoken", CSRF)
        self.urls: list[str] = []

    def send(self, method: str, url: str, **kwargs) -> requests.Response:
        url = url if url.startswith("http") else self.base + url
        headers = {"Origin": self.base, **kwargs.pop("headers", {})}
        response = self.session.request(method, url, headers=headers, timeout=20, **kwargs)
        self.urls += [url, *(r.url for r in response.history), response.url]
        self.urls += [r.headers.get("Location", "") for r in response.history]
        return response

    def post_form(self, url: str, data: dict, **kwargs) -> requests.Response:
        return self.send("POST", url, data={"csrfmiddlewaretoken": CSRF, **data}, **kwargs)


def notification(channel: str, standin, smtp) -> str:
    if channel == "sms":
        return standin.requests[-1].form["Body"]
    return smtp_texts(smtp)[-1]


def test_no_content_pin_or_token_anywhere_but_the_link(
    world, twilio_standin, smtp_server, caplog, alice
):
    web, jane, key = world
    contact, staff = Browser(web.url), Browser(web.url)
    tokens = []
    for channel, secret in SECRETS.items():
        sent = contact.send(
            "POST",
            "/api/v1/messages",
            headers={"Authorization": f"Bearer {key}"},
            json={
                "contact_ids": [str(jane.pk)],
                "channel": channel,
                "secure": True,
                "pin": PIN,
                "body": secret,
                **({"subject": "Your clinic"} if channel == "email" else {}),
            },
        )
        assert sent.status_code == 202, sent.text
        [delivery] = sent.json()["deliveries"]
        assert delivery["status"] == "queued", delivery
        assert (
            send_delivery(delivery["id"])
            and Delivery.objects.get(pk=delivery["id"]).status == "sent"
        )

        link = re.search(
            rf"{re.escape(web.url)}/s/[A-Za-z0-9_-]{{40,64}}",
            notification(channel, twilio_standin, smtp_server),
        ).group(0)
        tokens.append(link.rsplit("/", 1)[1])
        assert PIN not in contact.send("GET", link).text
        assert contact.post_form(link, {"pin": "WRONG1"}).status_code == 400
        page = contact.post_form(link, {"pin": PIN.lower()})
        assert page.status_code == 200 and secret in page.text and "/s/conversation/" in page.url
    reply = contact.post_form(
        "/s/conversation/reply",
        {"body": REPLY},
        files={"attachment": ("lab.txt", FILE_CONTENT, "text/plain")},
    )
    assert reply.status_code == 200 and REPLY in reply.text, reply.status_code
    assert Message.objects.filter(contact=jane, direction=Direction.INBOUND).get().body == REPLY

    signed_in = staff.post_form("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert "/accounts/login/" not in signed_in.url, signed_in.text[:300]
    inbox = staff.send("GET", f"/inbox/{jane.pk}/")
    assert inbox.status_code == 200 and REPLY in inbox.text and SECRETS["sms"] in inbox.text

    # The web process has no SMTP configured: alice's "new reply" email went to
    # its development outbox.
    outbox = [repr(entry) for entry in OutboxEntry.objects.values()]
    assert len(outbox) >= 1
    provider_texts = twilio_texts(twilio_standin) + smtp_texts(smtp_server) + outbox
    assert len(twilio_standin.requests) == 1 and len(smtp_server.messages) == 1
    logs = {
        # Every record of this process but those of the test's own HTTP client (urllib3
        # logs what it requests).
        "this process's log": "\n".join(
            logging.Formatter("%(name)s %(levelname)s %(message)s").format(r)
            for r in caplog.records
            if not r.name.startswith("urllib3")
        ),
        "the web process's stderr and access log": web.output(),
        "the events' details": "\n".join(repr(e.detail) for e in Event.objects.all()),
    }
    # The web process's app log is in there (the wrong PIN's 400, its path's token hidden).
    assert "Bad Request: /s/[link]" in logs["the web process's stderr and access log"]
    canaries = [*SECRETS.values(), REPLY, FILE_CONTENT.decode(), PIN, PIN.lower()]

    for text in provider_texts:
        for canary in canaries:
            assert canary not in text, f"{canary!r} reached a provider"
        # The token only ever inside its own link in the notification.
        for token in tokens:
            assert token not in text.replace(f"{web.url}/s/{token}", "")
    for where, text in logs.items():
        for canary in [*canaries, *tokens]:
            assert canary not in text, f"{canary!r} is in {where}"
    for url in contact.urls + staff.urls:
        for canary in canaries:
            assert canary not in url, url
        for token in tokens:
            if token in url:
                assert url == f"{web.url}/s/{token}", f"the token travelled on to {url}"
