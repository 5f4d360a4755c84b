"""In production mode a webhook can't be aimed inside the network: refused on save
(through the API and the staff page) and again at every send, since DNS can change."""

from __future__ import annotations

import pytest

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.webhooks import sender
from hushpost.webhooks.models import WebhookAttempt, WebhookEndpoint
from tests.api.helpers import field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production(settings, dns):
    settings.PRODUCTION = True
    settings.HUSHPOST_WEBHOOKS_ALLOW_PRIVATE = False
    dns["hooks.internal.example"] = ["10.20.30.40"]
    dns["ehr.example"] = ["93.184.215.14"]


@pytest.mark.parametrize(
    "url, problem",
    [
        ("https://127.0.0.1/hooks", "127.0.0.1 is a loopback address"),
        ("https://localhost:8443/hooks", "localhost resolves to 127.0.0.1, which is a loopback"),
        ("https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        (
            "https://hooks.internal.example/in",
            "hooks.internal.example resolves to 10.20.30.40, which is a private address",
        ),
        ("https://[::ffff:127.0.0.1]/in", "::ffff:127.0.0.1 is a loopback address"),
        ("https://[fd00::1]/in", "fd00::1 is a private address"),
        ("http://ehr.example/in", "Use an https:// address"),
        ("https://nowhere.example/in", "could not be found"),
    ],
)
def test_the_api_refuses_urls_inside_the_network(api, url, problem):
    response = api.post("webhooks", {"url": url, "events": ["*"]})
    assert problem in field_errors(response)["url"]
    assert not WebhookEndpoint.objects.exists()


def test_the_staff_page_refuses_them_too(alice_client):
    response = alice_client.post(
        "/settings/webhooks/", {"url": "https://169.254.169.254/", "every_event": "on"}
    )
    assert response.status_code == 200
    assert "169.254.169.254 is a link-local address" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()


def test_changing_the_url_is_checked_like_a_new_one(api):
    created = api.post("webhooks", {"url": "https://ehr.example/in", "events": ["*"]})
    assert created.status_code == 201, created.content
    changed = api.patch(f"webhooks/{created.json()['id']}", {"url": "https://10.0.0.1/in"})
    assert "10.0.0.1 is a private address" in field_errors(changed)["url"]
    assert WebhookEndpoint.objects.get().url == "https://ehr.example/in"


def test_a_name_that_turns_private_after_saving_is_refused_when_sending(api, org_a, jane, dns):
    created = api.post("webhooks", {"url": "https://ehr.example/in", "events": ["sent"]})
    assert created.status_code == 201, created.content
    dns["ehr.example"] = ["10.0.0.7"]  # the owner of the name points it inside
    record(org_a, EventKind.SENT, contact=jane)
    assert sender.send_due() == 1
    attempt = WebhookAttempt.objects.get()
    assert attempt.status_code is None and not attempt.succeeded
    assert attempt.error == (
        "ehr.example resolves to 10.0.0.7, which is a private address: "
        "only addresses on the public internet can be called."
    )
    assert attempt.next_attempt_at is not None  # DNS may be fixed: tried again later
