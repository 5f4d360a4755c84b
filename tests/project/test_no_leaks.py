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

The web, a real worker process (which sends) and a real scheduler run in
production's JSON log format at DEBUG: every line each of them writes must be
a JSON object, the worker's lines about a send carry the request id the API
answered and the delivery's id, and no line holds a token, PIN, body, phone
number or email address.

(tests/browser/test_round_trip.py walks the same trip in chromium with a
worker process and checks the browser's side.)
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys

import pytest
import requests
from django.contrib.auth.hashers import Argon2PasswordHasher

from hushpost.accounts.api_keys import create_key
from hushpost.activity.models import Event
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, OutboxEntry
from hushpost.messaging.models import Direction, Message
from tests.browser.test_round_trip import (
    ROOT,
    smtp_texts,
    twilio_texts,
    wait_until_sent,
    worker_process,
)
from tests.conftest import PASSWORD
from tests.real_web import database_url, start_web

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
    json_logs = {"HUSHPOST_LOG_LEVEL": "DEBUG", "HUSHPOST_LOG_FORMAT": "json"}
    web = start_web(tmp_path, workers=2, env=json_logs)
    # The worker and scheduler copy this process's environment.
    os.environ.update(json_logs)
    try:
        with (
            worker_process(tmp_path / "worker.log") as worker,
            scheduler_process(tmp_path / "scheduler.log"),
        ):
            yield web, jane, create_key(org_a, "Leak check", created_by=alice)[1], worker
    finally:
        for name in json_logs:
            os.environ.pop(name, None)
        web.stop()


class scheduler_process:
    """A real `hushpost scheduler` on the test database, ticking every 0.2 s."""

    def __init__(self, log_path):
        self.log_path = log_path

    def __enter__(self):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "HUSHPOST_DATA_DIR": str(settings_data_dir()),
            "PYTHONUNBUFFERED": "1",
        }
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hushpost.cli", "manage", "scheduler", "--interval", "0.2"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        return self.process

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=30)


def settings_data_dir():
    from django.conf import settings

    return settings.DATA_DIR


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
    web, jane, key, worker = world
    contact, staff = Browser(web.url), Browser(web.url)
    tokens = []
    queued_by = {}
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
        queued_by[delivery["id"]] = sent.headers["X-Request-ID"]
        # The worker process sends it.
        row = Delivery.objects.get(pk=delivery["id"])
        # A loaded CI machine starts a worker process slowly: room for it.
        wait_until_sent(row, worker, web.stderr_path.parent / "worker.log", timeout=180)
        assert row.status == "sent", row.reason

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
        "the worker's log": (web.stderr_path.parent / "worker.log").read_text(),
        "the scheduler's log": (web.stderr_path.parent / "scheduler.log").read_text(),
        "the events' details": "\n".join(repr(e.detail) for e in Event.objects.all()),
    }
    # The web process's app log is in there (the wrong PIN's 400, its path's token hidden).
    assert "Bad Request: /s/[link]" in logs["the web process's stderr and access log"]
    canaries = [*SECRETS.values(), REPLY, FILE_CONTENT.decode(), PIN, PIN.lower()]
    contact_details = [jane.phone, jane.phone.lstrip("+"), jane.email, alice.email]

    # Every line of the three processes is JSON (the app's and gunicorn's own), but the
    # scheduler's start banner on stdout and the access log, which has its own format.
    lines = {
        "web": web.stderr_path.read_text().splitlines(),
        "worker": (web.stderr_path.parent / "worker.log").read_text().splitlines(),
        "scheduler": [
            line
            for line in (web.stderr_path.parent / "scheduler.log").read_text().splitlines()
            if not line.startswith("Scheduler running")
        ],
    }
    records = {name: [json.loads(line) for line in found] for name, found in lines.items()}
    assert all(records.values()), {name: len(found) for name, found in records.items()}
    # Each scheduler tick logs under its own id.
    ticks = [r for r in records["scheduler"] if r["message"].startswith("scheduler: tick")]
    assert ticks and all(len(r["request_id"]) == 32 for r in ticks)
    # The worker's lines about each send name the request that queued it and the delivery.
    for delivery_id, request_id in queued_by.items():
        about = [r for r in records["worker"] if r.get("delivery_id") == delivery_id]
        assert about and all(r["request_id"] == request_id for r in about), about

    for text in provider_texts:
        for canary in canaries:
            assert canary not in text, f"{canary!r} reached a provider"
        # The token only ever inside its own link in the notification.
        for token in tokens:
            assert token not in text.replace(f"{web.url}/s/{token}", "")
    for where, text in logs.items():
        for canary in [*canaries, *tokens]:
            assert canary not in text, f"{canary!r} is in {where}"
    for name, found in lines.items():
        for line in found:
            for canary in [*canaries, *tokens, *contact_details]:
                assert canary not in line, f"{canary!r} is in a line of the {name}: {line}"
    for url in contact.urls + staff.urls:
        for canary in canaries:
            assert canary not in url, url
        for token in tokens:
            if token in url:
                assert url == f"{web.url}/s/{token}", f"the token travelled on to {url}"
