"""/webhooks through the API: the secret once, changes, tests, attempts and replays."""

from __future__ import annotations

import pytest
from standardwebhooks import Webhook

from hushpost.activity.models import Event, EventKind
from hushpost.webhooks import sender
from hushpost.webhooks.models import MessageStatus, WebhookEndpoint, WebhookMessage
from tests.api.helpers import assert_problem, field_errors
from tests.webhook_receiver import Reply

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(api, receiver):
    response = api.post(
        "webhooks",
        {"url": receiver.url, "events": ["sent", "delivered"], "description": "EHR sync"},
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_creating_answers_the_endpoint_with_its_secret_once(api, created, receiver, org_a):
    assert created["url"] == receiver.url
    assert created["events"] == ["sent", "delivered"]
    assert (created["description"], created["enabled"]) == ("EHR sync", True)
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert created["secret"] not in endpoint.secret_encrypted  # encrypted at rest
    shown = api.get(f"webhooks/{created['id']}").json()
    assert "secret" not in shown and created["secret"] not in str(api.get("webhooks").json())
    event = Event.objects.for_org(org_a).get(kind=EventKind.SETTINGS_CHANGED)
    assert event.detail["section"] == "webhooks" and event.detail["change"] == "created"
    assert event.actor_label == "api: Booking system"
    assert created["secret"] not in str(event.detail)


def test_every_kind_or_a_star(api, receiver):
    every = api.post("webhooks", {"url": receiver.url, "events": ["sent", "*"]})
    assert every.status_code == 201 and every.json()["events"] == ["*"]
    unknown = api.post("webhooks", {"url": receiver.url, "events": ["sms_sent"]})
    assert field_errors(unknown)["events"].startswith("Unknown event kinds: sms_sent.")
    empty = api.post("webhooks", {"url": receiver.url, "events": []})
    assert "events" in field_errors(empty)


def test_patch_changes_only_what_is_sent(api, created, receiver):
    changed = api.patch(f"webhooks/{created['id']}", {"events": ["*"], "enabled": False})
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert (body["events"], body["enabled"], body["description"]) == (["*"], False, "EHR sync")
    assert body["disabled_reason"] == "turned off"
    again = api.patch(f"webhooks/{created['id']}", {"enabled": True})
    assert again.json()["enabled"] and again.json()["disabled_reason"] == ""


def test_delete_stops_it_for_good(api, created, org_a, jane):
    assert api.delete(f"webhooks/{created['id']}").status_code == 204
    assert_problem(api.get(f"webhooks/{created['id']}"), 404)
    assert not WebhookMessage.objects.exists()


def test_rotating_shows_the_new_secret_and_keeps_the_old_one_for_a_day(api, created):
    rotated = api.post(f"webhooks/{created['id']}/rotate-secret")
    assert rotated.status_code == 200, rotated.content
    body = rotated.json()
    assert body["secret"].startswith("whsec_") and body["secret"] != created["secret"]
    endpoint = WebhookEndpoint.objects.get(pk=created["id"])
    assert endpoint.previous_secret == created["secret"]
    delta = endpoint.previous_secret_expires_at - endpoint.updated_at
    assert delta.total_seconds() == 24 * 3600
    assert body["previous_secret_expires_at"].startswith(
        endpoint.previous_secret_expires_at.date().isoformat()
    )


def test_a_test_event_goes_out_signed_and_its_attempt_can_be_replayed(api, created, receiver):
    queued = api.post(f"webhooks/{created['id']}/test")
    assert queued.status_code == 202, queued.content
    assert queued.json()["type"] == "webhook_test" and queued.json()["status"] == "pending"
    receiver.script(Reply(502))
    assert sender.send_due() == 1
    [attempt] = api.get(f"webhooks/{created['id']}/attempts").json()["items"]
    assert attempt["type"] == "webhook_test" and attempt["event_id"] is None
    assert (attempt["status_code"], attempt["succeeded"]) == (502, False)
    assert attempt["next_attempt_at"] is not None and "502" in attempt["error"]
    replayed = api.post(f"webhooks/{created['id']}/attempts/{attempt['id']}/replay")
    assert replayed.status_code == 202, replayed.content
    assert replayed.json()["webhook_id"] == attempt["webhook_id"]
    assert sender.send_due() == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    payload = Webhook(created["secret"]).verify(second.body, second.headers)
    assert payload["data"]["endpoint_id"] == created["id"]
    listed = api.get(f"webhooks/{created['id']}/attempts", {"limit": 1}).json()
    assert listed["count"] == 2 and listed["items"][0]["succeeded"]


def test_a_replay_while_it_is_being_sent_is_a_conflict(api, created):
    api.post(f"webhooks/{created['id']}/test")
    sender.send_due()
    attempt = api.get(f"webhooks/{created['id']}/attempts").json()["items"][0]
    WebhookMessage.objects.filter(pk=attempt["message_id"]).update(status=MessageStatus.SENDING)
    body = assert_problem(
        api.post(f"webhooks/{created['id']}/attempts/{attempt['id']}/replay"), 409
    )
    assert "being sent right now" in body["detail"]


def test_an_unknown_attempt_is_a_404(api, created):
    assert_problem(api.post(f"webhooks/{created['id']}/attempts/999999/replay"), 404)
    assert_problem(api.post(f"webhooks/{created['id']}/attempts/99999999999999999999/replay"), 404)
