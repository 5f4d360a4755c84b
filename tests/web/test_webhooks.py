"""Settings → Webhooks: admins add, change, test, rotate and delete endpoints; the secret
is shown once; recent attempts show what came of each send."""

from __future__ import annotations

import re

import pytest
from standardwebhooks import Webhook

from hushpost.activity.models import Event, EventKind
from hushpost.webhooks import sender
from hushpost.webhooks.endpoints import create_endpoint
from hushpost.webhooks.models import MessageStatus, WebhookEndpoint, WebhookMessage
from tests.webhook_receiver import Reply

pytestmark = pytest.mark.django_db

URL = "/settings/webhooks/"


def shown_secret(response) -> str:
    match = re.search(r'value="(whsec_[A-Za-z0-9+/=]+)"', response.content.decode())
    assert match, "the secret is on the page"
    return match.group(1)


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(alice_client, alice, receiver):
    response = alice_client.post(
        URL, {"url": receiver.url, "description": "EHR sync", "events": ["sent", "delivered"]}
    )
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert "Copy the secret now" in response.content.decode()
    secret = shown_secret(response)
    endpoint = WebhookEndpoint.objects.get()
    assert (endpoint.url, endpoint.events, endpoint.description) == (
        receiver.url,
        ["sent", "delivered"],
        "EHR sync",
    )
    assert endpoint.secret == secret
    for page in (URL, f"{URL}{endpoint.pk}/"):
        html = alice_client.get(page).content.decode()
        assert receiver.url in html and secret not in html
    event = Event.objects.get(kind=EventKind.SETTINGS_CHANGED)
    assert event.actor == alice and event.detail["section"] == "webhooks"


def test_every_event_is_the_default_and_some_choice_is_needed(alice_client, receiver):
    page = alice_client.get(URL).content.decode()
    assert re.search(r'<input[^>]*name="every_event"[^>]*checked', page)
    alice_client.post(URL, {"url": receiver.url, "every_event": "on"})
    assert WebhookEndpoint.objects.get().events == ["*"]
    nothing = alice_client.post(URL, {"url": receiver.url})
    assert "Tick the events to send" in nothing.content.decode()
    assert WebhookEndpoint.objects.count() == 1


def test_editing_turns_it_off_and_on_and_changes_its_events(alice_client, org_a, receiver):
    endpoint, _ = create_endpoint(org_a, url=receiver.url, events=["*"])
    page = f"{URL}{endpoint.pk}/"
    response = alice_client.post(page, {"url": receiver.url, "events": ["reply_received"]})
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["reply_received"] and not endpoint.enabled
    alice_client.post(page, {"url": receiver.url, "every_event": "on", "enabled": "on"})
    endpoint.refresh_from_db()
    assert endpoint.events == ["*"] and endpoint.enabled


def test_send_a_test_event_and_see_the_attempt_then_send_it_again(alice_client, org_a, receiver):
    endpoint, secret = create_endpoint(org_a, url=receiver.url, events=["sent"])
    page = f"{URL}{endpoint.pk}/"
    assert alice_client.get(f"{page}test/").status_code == 405
    response = alice_client.post(f"{page}test/", follow=True)
    assert "A test event is on its way" in response.content.decode()
    receiver.script(Reply(500))
    sender.send_due()
    html = alice_client.get(page).content.decode()
    assert "webhook_test" in html and "500" in html and "Send again" in html
    attempt_id = re.search(r"/attempts/(\d+)/replay/", html).group(1)
    alice_client.post(f"{page}attempts/{attempt_id}/replay/")
    sender.send_due()
    assert Webhook(secret).verify(receiver.requests[-1].body, receiver.requests[-1].headers)
    message = WebhookMessage.objects.get(event_type="webhook_test")
    assert message.status == MessageStatus.SUCCEEDED


def test_rotating_shows_the_new_secret_once(alice_client, org_a, receiver):
    endpoint, old = create_endpoint(org_a, url=receiver.url, events=["*"])
    confirm = alice_client.get(f"{URL}{endpoint.pk}/rotate/").content.decode()
    assert "24 hours" in confirm
    new = shown_secret(alice_client.post(f"{URL}{endpoint.pk}/rotate/"))
    endpoint.refresh_from_db()
    assert new != old and endpoint.secret == new and endpoint.previous_secret == old


def test_deleting_asks_first(alice_client, org_a, receiver):
    endpoint, _ = create_endpoint(org_a, url=receiver.url, events=["*"])
    assert (
        "Delete this webhook endpoint?"
        in alice_client.get(f"{URL}{endpoint.pk}/delete/").content.decode()
    )
    assert alice_client.post(f"{URL}{endpoint.pk}/delete/").status_code == 302
    assert not WebhookEndpoint.objects.exists()


def test_members_neither_see_the_link_nor_the_page(bob_client, client, alice):
    assert bob_client.get(URL).status_code == 403
    assert 'href="/settings/webhooks/"' not in bob_client.get("/inbox/").content.decode()
    client.force_login(alice)
    assert 'href="/settings/webhooks/"' in client.get("/inbox/").content.decode()
