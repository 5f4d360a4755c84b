"""Sending the outbox to a real receiver on loopback: signatures, retries, giving up."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from standardwebhooks import Webhook

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.webhooks import sender
from hushpost.webhooks.endpoints import create_endpoint, rotate_secret
from hushpost.webhooks.models import MessageStatus, WebhookAttempt, WebhookMessage
from tests.conftest import free_port
from tests.webhook_receiver import Reply

pytestmark = pytest.mark.django_db


def test_each_event_arrives_signed_as_standard_webhooks_says(org_a, jane, endpoint, receiver):
    hook, secret = endpoint
    event = record(org_a, EventKind.SENT, contact=jane, channel="sms", provider="twilio")
    WebhookMessage.objects.filter(endpoint=hook).exclude(event=event).delete()
    assert sender.send_due() == 1
    [request] = receiver.requests
    assert request.path == "/hooks/hushpost"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == str(event.pk)
    assert request.headers["webhook-signature"].startswith("v1,")
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "sent"
    assert payload["data"]["contact_id"] == str(jane.pk)
    with pytest.raises(Exception, match="No matching signature"):
        Webhook("whsec_" + "A" * 43).verify(request.body, request.headers)
    attempt = WebhookAttempt.objects.get(message__event=event)
    assert (attempt.succeeded, attempt.status_code, attempt.error) == (True, 200, "")
    assert WebhookMessage.objects.get(event=event).status == MessageStatus.SUCCEEDED


def test_a_500_then_200_gets_the_same_webhook_id_twice_and_the_event_once(
    org_a, jane, endpoint, receiver
):
    hook, secret = endpoint
    WebhookMessage.objects.filter(endpoint=hook).delete()
    event = record(org_a, EventKind.DELIVERED, contact=jane, channel="sms")
    receiver.script(Reply(500))
    now = timezone.now()
    assert sender.send_due(now=now) == 1
    message = WebhookMessage.objects.get(event=event, endpoint=hook)
    assert message.status == MessageStatus.PENDING
    assert message.next_attempt_at == now + sender.SCHEDULE[1]  # 5 seconds
    assert sender.send_due(now=now + datetime.timedelta(seconds=4)) == 0  # not yet
    assert sender.send_due(now=now + datetime.timedelta(seconds=6)) == 1
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == str(event.pk)
    assert [r.status for r in receiver.requests] == [500, 200]
    # The integrator verifies both and keeps one event per webhook-id.
    verified = zip(receiver.requests, receiver.verified(secret), strict=True)
    payloads = {request.headers["webhook-id"]: payload for request, payload in verified}
    assert list(payloads) == [str(event.pk)] and payloads[str(event.pk)]["type"] == "delivered"
    failed, succeeded = WebhookAttempt.objects.filter(message=message).order_by("attempted_at")
    assert (failed.status_code, failed.succeeded, failed.next_attempt_at) == (
        500,
        False,
        message.next_attempt_at,
    )
    assert "answered HTTP 500" in failed.error
    assert (succeeded.status_code, succeeded.succeeded, succeeded.next_attempt_at) == (
        200,
        True,
        None,
    )
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.SUCCEEDED, 2)


def test_retries_follow_the_specifications_schedule_then_give_up(org_a, jane):
    create_endpoint(org_a, url=f"http://127.0.0.1:{free_port()}/gone", events=["held"])
    event = record(org_a, EventKind.HELD, contact=jane, reason="opted out of texts")
    message = WebhookMessage.objects.get(event=event)
    now = timezone.now()
    waits = []
    for _ in sender.SCHEDULE:
        assert sender.send_due(now=now) == 1
        message.refresh_from_db()
        if message.next_attempt_at is None:
            break
        waits.append(message.next_attempt_at - now)
        now = message.next_attempt_at
    assert waits == list(sender.SCHEDULE[1:])
    assert message.status == MessageStatus.FAILED and message.attempts == len(sender.SCHEDULE)
    assert sum(waits, datetime.timedelta()) > datetime.timedelta(hours=24)  # about a day
    last = WebhookAttempt.objects.filter(message=message).first()
    assert last.next_attempt_at is None and "refused the connection" in last.error
    assert sender.send_due(now=now + datetime.timedelta(days=1)) == 0


def test_five_days_of_failures_turn_the_endpoint_off_and_tell_the_owners_once(
    org_a, alice, bob, jane, smtp_server, django_capture_on_commit_callbacks
):
    hook, _ = create_endpoint(org_a, url=f"http://127.0.0.1:{free_port()}/down", events=["sent"])
    record(org_a, EventKind.SENT, contact=jane)
    start = timezone.now()
    assert sender.send_due(now=start) == 1
    hook.refresh_from_db()
    assert hook.failing_since == start and hook.enabled
    # Five days later, still failing: this failure turns it off.
    later = start + sender.DISABLE_AFTER + datetime.timedelta(minutes=1)
    record(org_a, EventKind.SENT, contact=jane)
    record(org_a, EventKind.SENT, contact=jane)
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.send_due(limit=1, now=later) == 1
    hook.refresh_from_db()
    assert not hook.enabled and "failed for 5 days" in hook.disabled_reason
    logged = Event.objects.filter(kind=EventKind.SETTINGS_CHANGED).latest("id")
    assert logged.detail["change"] == "turned off after 5 days of failures"
    assert logged.detail["endpoint"] == str(hook.pk) and logged.actor_label == "system"
    assert not WebhookMessage.objects.filter(endpoint=hook, status=MessageStatus.PENDING).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert sender.send_due(now=later + datetime.timedelta(days=2)) == 0
    [mail] = smtp_server.messages
    assert mail.rcpt_tos == [alice.email]  # owners only: bob is a member
    text = mail.content.decode()
    assert "turned off a webhook endpoint" in text and hook.url in text
    before = WebhookMessage.objects.count()
    record(org_a, EventKind.SENT, contact=jane)
    assert WebhookMessage.objects.count() == before  # an endpoint that is off gets nothing new


def test_a_success_clears_the_failing_mark(org_a, jane, endpoint, receiver):
    hook, _ = endpoint
    WebhookMessage.objects.filter(endpoint=hook).delete()
    receiver.script(Reply(503))
    record(org_a, EventKind.SENT, contact=jane)
    now = timezone.now()
    sender.send_due(now=now)
    hook.refresh_from_db()
    assert hook.failing_since == now
    sender.send_due(now=now + datetime.timedelta(seconds=10))
    hook.refresh_from_db()
    assert hook.failing_since is None


def test_after_a_rotation_both_secrets_sign_for_a_day(org_a, jane, endpoint, receiver):
    hook, old = endpoint
    new = rotate_secret(hook)
    assert new != old and new.startswith("whsec_")
    WebhookMessage.objects.filter(endpoint=hook).delete()
    record(org_a, EventKind.SENT, contact=jane)
    sender.send_due()
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old).verify(request.body, request.headers)["type"] == "sent"
    assert Webhook(new).verify(request.body, request.headers)["type"] == "sent"
    hook.refresh_from_db()
    hook.previous_secret_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    hook.save()
    record(org_a, EventKind.DELIVERED, contact=jane)
    sender.send_due()
    request = receiver.requests[-1]
    assert len(request.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new).verify(request.body, request.headers)["type"] == "delivered"
    with pytest.raises(Exception, match="No matching signature"):
        Webhook(old).verify(request.body, request.headers)


def test_a_redirect_is_not_followed_and_counts_as_a_failure(org_a, jane, receiver):
    hook, _ = create_endpoint(org_a, url=receiver.url, events=["sent"])
    receiver.script(Reply(301))
    record(org_a, EventKind.SENT, contact=jane)
    sender.send_due()
    attempt = WebhookAttempt.objects.get(endpoint=hook)
    assert attempt.status_code == 301 and "redirects are not followed" in attempt.error
    assert len(receiver.requests) == 1


def test_claims_share_the_threads_across_endpoints(org_a, org_b, jane, receiver):
    busy, _ = create_endpoint(org_a, url=receiver.url, events=["sent"])
    other, _ = create_endpoint(org_b, url=receiver.url, events=["*"])
    for _ in range(10):
        record(org_a, EventKind.SENT, contact=jane)
    WebhookMessage.objects.filter(endpoint=other).delete()
    record(org_b, EventKind.CONTACT_CREATED)
    claimed = WebhookMessage.objects.filter(pk__in=sender.claim_due(4))
    assert claimed.filter(endpoint=busy).count() == sender.PER_ENDPOINT
    assert claimed.filter(endpoint=other).count() == 1
    # The busy endpoint's two in flight keep it from taking more.
    assert not WebhookMessage.objects.filter(pk__in=sender.claim_due(4), endpoint=busy).exists()


def test_a_claim_whose_sender_died_is_taken_again_after_its_lease(org_a, jane, endpoint, receiver):
    hook, secret = endpoint
    WebhookMessage.objects.filter(endpoint=hook).delete()
    event = record(org_a, EventKind.SENT, contact=jane)
    now = timezone.now()
    [claimed] = sender.claim_due(5, now)  # and the process dies before sending
    assert sender.claim_due(5, now + datetime.timedelta(seconds=30)) == []
    assert sender.send_due(now=now + sender.LEASE + datetime.timedelta(seconds=1)) == 1
    assert receiver.verified(secret)[0]["data"]["event_id"] == event.pk
    assert WebhookMessage.objects.get(pk=claimed).attempts == 2


def test_finished_messages_are_dropped_after_thirty_days_waiting_ones_never(org_a, jane, receiver):
    from hushpost.webhooks.retention import KEEP, drop_finished_messages

    create_endpoint(org_a, url=f"http://127.0.0.1:{free_port()}/down", events=["sent"])
    done, _ = create_endpoint(org_a, url=receiver.url, events=["sent"])
    record(org_a, EventKind.SENT, contact=jane)
    sender.send_due()
    later = timezone.now() + KEEP + datetime.timedelta(days=1)
    assert drop_finished_messages(later) == 1
    [left] = WebhookMessage.objects.all()
    assert left.status == MessageStatus.PENDING and left.endpoint != done
    assert not WebhookAttempt.objects.filter(endpoint=done).exists()
