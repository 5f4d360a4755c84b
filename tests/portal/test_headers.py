"""The portal's headers on every response it can give, good or bad."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from hushpost.messaging.conversations import MAX_REPLY_ATTACHMENT_BYTES
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, check_pin, revoke_links
from hushpost.messaging.models import SecureMessagingSettings
from tests.portal.conftest import make_link

pytestmark = pytest.mark.django_db


def every_portal_response(jane, secret_message):
    """(what, response) for each state and each URL under /s/."""
    client = Client()
    _, pin_raw = make_link(jane, secret_message)
    _, open_raw = make_link(jane, secret_message, pin=None)
    expired, expired_raw = make_link(jane, secret_message, lifetime=timedelta(seconds=1))
    locked, locked_raw = make_link(jane, secret_message)
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(locked, "0000")
    revoked, revoked_raw = make_link(jane, secret_message)
    revoke_links(jane, link=revoked)
    attachment = secret_message.attachments.get()

    yield "unknown token", client.get("/s/" + "A" * 43)
    yield "malformed token", client.get("/s/not-a-token")
    yield "revoked link", client.get(f"/s/{revoked_raw}")
    yield "nothing under /s/", client.get("/s/")
    yield "a deeper path", client.get("/s/a/b/c")
    yield "PIN form", client.get(f"/s/{pin_raw}")
    yield "view button", client.get(f"/s/{open_raw}")
    yield "wrong PIN", client.post(f"/s/{pin_raw}", {"pin": "0000"})
    yield "empty PIN", client.post(f"/s/{pin_raw}", {"pin": ""})
    yield "locked page", client.get(f"/s/{locked_raw}")
    yield "method not allowed", client.put(f"/s/{pin_raw}")
    yield "no session", client.get("/s/conversation/")
    yield "attachment without session", client.get(f"/s/conversation/attachments/{attachment.id}/")
    yield "session start", client.post(f"/s/{pin_raw}", {"pin": "1234"})
    yield "conversation", client.get("/s/conversation/")
    yield "attachment", client.get(f"/s/conversation/attachments/{attachment.id}/")
    yield (
        "someone else's attachment",
        client.get("/s/conversation/attachments/00000000-0000-0000-0000-000000000000/"),
    )
    yield "reply refused", client.post("/s/conversation/reply", {"body": ""})
    yield (
        "reply sent",
        client.post(
            "/s/conversation/reply",
            {"body": "ok", "attachment": SimpleUploadedFile("a.txt", b"ok")},
        ),
    )
    yield (
        "too large",
        client.generic(
            "POST", "/s/conversation/reply", b"", CONTENT_LENGTH=str(MAX_REPLY_ATTACHMENT_BYTES * 2)
        ),
    )
    yield "sign out", client.post("/s/conversation/sign-out")
    yield "signed out", client.get("/s/signed-out/")
    yield "new link for a working link", client.post(f"/s/{pin_raw}/new-link")
    with time_machine.travel(expired.expires_at + timedelta(minutes=1)):
        yield "expired page", client.get(f"/s/{expired_raw}")
        yield "new link sent", client.post(f"/s/{expired_raw}/new-link")
    yield "new link from a locked link", client.post(f"/s/{locked_raw}/new-link")
    yield "new link by GET", client.get(f"/s/{locked_raw}/new-link")
    strict = Client(enforce_csrf_checks=True)
    yield "CSRF refused", strict.post(f"/s/{pin_raw}", {"pin": "1234"})


def test_every_portal_response_carries_the_portal_headers(jane, secret_message, org_a):
    secure = SecureMessagingSettings.objects.for_org(org_a)
    secure.enabled = True
    secure.save()
    seen = {}
    for what, response in every_portal_response(jane, secret_message):
        seen[what] = response.status_code
        assert response["Referrer-Policy"] == "no-referrer", what
        assert "no-store" in response["Cache-Control"], what
        assert response["X-Frame-Options"] == "DENY", what
        assert response["X-Content-Type-Options"] == "nosniff", what
        csp = response["Content-Security-Policy"]
        assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp, what
        assert "frame-ancestors 'none'" in csp or "sandbox" in csp, what
    # Every kind of answer was covered, not just the happy ones.
    assert {200, 302, 400, 403, 404, 405, 413} <= set(seen.values()), seen


def test_portal_pages_load_nothing_from_elsewhere_and_run_no_script(client, jane, secret_message):
    page = client.get(f"/s/{make_link(jane, secret_message)[1]}").content.decode()
    assert "<script" not in page and " style=" not in page and "<style" not in page
    # Not even a favicon request: the icon is empty data.
    assert re.findall(r'(?:href|src)="([^"]*)"', page.split("</head>")[0]) == [
        "data:,",
        f"{settings.STATIC_URL}web/pico-2.1.1.min.css",
        f"{settings.STATIC_URL}portal/portal.css",
    ]


def test_a_server_error_under_s_still_carries_the_portal_headers(client, monkeypatch):
    from hushpost.portal import views

    def boom(*args, **kwargs):
        raise RuntimeError("unexpected")

    monkeypatch.setattr(views, "_live_link", boom)
    client.raise_request_exception = False
    response = client.get("/s/" + "A" * 43)
    assert response.status_code == 500
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response["Content-Security-Policy"]
