"""The link token stays out of the logs, also where Django logs a request's path.

Django logs every 4xx/5xx response and CSRF refusal with request.path, and
under /s/ the path is the contact's link (ARCHITECTURE.md: "never logged").
"""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from django.utils import timezone

from hushpost.portal.log_filters import hide_tokens

pytestmark = pytest.mark.django_db


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.DEBUG)
    return caplog


def everything(caplog) -> str:
    return caplog.text + "\n".join(record.getMessage() for record in caplog.records)


def test_a_wrong_pin_logs_the_bad_request_without_the_token(client, pin_link, logs):
    raw = pin_link[1]
    assert client.post(f"/s/{raw}", {"pin": "0000"}).status_code == 400
    assert "Bad Request: /s/[link]" in logs.text
    assert raw not in everything(logs)


def test_a_csrf_refusal_and_a_revoked_link_log_no_token(pin_link, logs):
    link, raw = pin_link
    assert Client(enforce_csrf_checks=True).post(f"/s/{raw}", {"pin": "1234"}).status_code == 403
    type(link).objects.filter(pk=link.pk).update(revoked_at=timezone.now())
    assert Client().post(f"/s/{raw}/new-link").status_code == 404
    assert "Forbidden (" in logs.text and "Not Found: /s/[link]/new-link" in logs.text
    assert raw not in everything(logs)


def test_only_tokens_are_hidden():
    token = "IBCZofWyjFQ9gDddcY4eSv1hpOf-iyDlfCtCf_bPbuk"
    assert hide_tokens(f"Bad Request: /s/{token}") == "Bad Request: /s/[link]"
    confirm = "0f5c6d3e8a2b4c1d9e7f6a5b4c3d2e1f:Xq3v9LkP0aBcDeFgHiJkLmNoPqRsTuVwXyZ01234567"
    assert hide_tokens(f"Bad Request: /s/confirm/{confirm}") == "Bad Request: /s/confirm/[link]"
    assert (
        hide_tokens(f"http://example.com/s/{token}/new-link")
        == "http://example.com/s/[link]/new-link"
    )
    assert (
        hide_tokens("Not Found: /s/conversation/attachments/x/")
        == "Not Found: /s/conversation/attachments/x/"
    )
