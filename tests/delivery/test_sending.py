"""send_delivery with the development outbox: the claim, the re-check before
sending, outcomes and events."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.phones import LANDLINE_REASON
from hushpost.delivery import lifecycle, retry_policy, send
from hushpost.delivery.channels import channel_for
from hushpost.delivery.channels.base import DeliveryError
from hushpost.delivery.channels.outbox import OutboxChannel
from hushpost.delivery.models import Delivery, DeliveryStatus, OutboxEntry
from tests.delivery.conftest import NOTIFICATION, make_due

pytestmark = pytest.mark.django_db


def kinds(delivery):
    return list(
        Event.objects.filter(delivery=delivery)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def test_without_providers_every_channel_goes_to_the_outbox(settings):
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    assert all(isinstance(channel_for(kind), OutboxChannel) for kind in ("sms", "email", "voice"))


def test_an_sms_to_the_outbox_is_stored_and_only_ever_sent_to_the_outbox(queue, jane, settings):
    settings.TWILIO_ACCOUNT_SID = ""
    delivery = queue("sms")
    assert send.send_delivery(delivery.pk) is True
    delivery.refresh_from_db()
    # Nobody receives what the outbox stores: never "delivered".
    assert (delivery.status, delivery.provider, delivery.attempts) == (
        DeliveryStatus.SENT,
        "outbox",
        1,
    )
    assert delivery.status_label == "Sent to the outbox"
    assert delivery.sent_at and delivery.delivered_at is None and delivery.lease_expires_at is None
    entry = OutboxEntry.objects.get()
    assert (entry.delivery, entry.organization, entry.channel, entry.to) == (
        delivery,
        jane.organization,
        "sms",
        jane.phone,
    )
    assert (entry.body, entry.html_body, str(entry.pk)) == (NOTIFICATION, "", delivery.provider_id)
    assert kinds(delivery) == ["queued", "sent"]


def test_an_email_to_the_outbox_has_an_html_part_with_a_clickable_link(queue, settings):
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    delivery = queue("email", subject="Secure message from <Riverside>")
    send.send_delivery(delivery.pk)
    entry = OutboxEntry.objects.get()
    assert (entry.subject, entry.body) == ("Secure message from <Riverside>", NOTIFICATION)
    assert '<a href="http://127.0.0.1:8000/s/Tk3n-abc_123">' in entry.html_body
    assert "&lt;Riverside&gt;" in entry.html_body


def test_a_delivery_is_claimed_once_however_many_workers_try(queue):
    delivery = queue("sms")
    assert lifecycle.claim(delivery.pk) is not None
    assert lifecycle.claim(delivery.pk) is None
    assert send.send_delivery(delivery.pk) is False  # a second task for it does nothing
    assert Delivery.objects.get().attempts == 1 and not OutboxEntry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_from_threads_have_one_winner(queue):
    delivery = queue("sms")
    start, results = threading.Barrier(4), []

    def worker():
        start.wait()
        try:
            results.append(lifecycle.claim(delivery.pk) is not None)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False, False, False, True]


def test_a_delivery_not_yet_due_is_not_claimed(queue):
    delivery = queue("sms")
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() + timezone.timedelta(minutes=5)
    )
    assert send.send_delivery(delivery.pk) is False
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED


@pytest.mark.parametrize(
    ("channel", "change", "reason"),
    [
        ("sms", {"sms_opt_out": True}, "opted out of text messages"),
        ("email", {"email_opt_out": True}, "opted out of email"),
        ("sms", {"phone": ""}, "no mobile phone on file"),
        # A London landline: a text can't reach it (phonenumbers' number type).
        ("sms", {"phone": "+442079460321"}, LANDLINE_REASON),
        ("email", {"email": ""}, "no email address on file"),
        (
            "email",
            {"email": "jane.new@example.com"},
            "the contact's email address changed after this was queued; not sent to the old one",
        ),
    ],
)
def test_what_changed_since_queuing_holds_it_back(queue, jane, channel, change, reason, settings):
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    delivery = queue(channel)
    type(jane).objects.filter(pk=jane.pk).update(**change)
    assert send.send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (DeliveryStatus.HELD, reason)
    assert not OutboxEntry.objects.exists()
    held = Event.objects.get(delivery=delivery, kind=EventKind.HELD)
    assert held.detail["reason"] == reason and held.actor_label == "system"


class Flaky:
    """A channel that fails as told, then works (through the outbox)."""

    name = "flaky"
    opt_out_codes = frozenset({"21610"})

    def __init__(self, *errors):
        self.errors = list(errors)
        self.calls = 0

    def send(self, outgoing):
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return OutboxChannel().send(outgoing)


def use(monkeypatch, channel):
    monkeypatch.setattr(send, "channel_for", lambda kind: channel)
    return channel


def test_a_temporary_failure_goes_back_to_the_queue_with_a_logged_attempt(queue, monkeypatch):
    use(
        monkeypatch,
        Flaky(
            DeliveryError("could not connect", permanent=False),
            DeliveryError("again", permanent=False),
        ),
    )
    delivery = queue("sms")
    before = timezone.now()
    assert send.send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.lease_expires_at is None
    assert before <= delivery.next_attempt_at <= timezone.now() + timezone.timedelta(seconds=30)
    # Back in the queue, claimed no earlier than its retry time.
    assert (
        lifecycle.claim_due(10, now=delivery.next_attempt_at - timezone.timedelta(seconds=1)) == []
    )
    [row] = delivery.attempt_log
    assert (row["attempt"], row["error"], row["retry_at"]) == (
        1,
        "could not connect",
        delivery.next_attempt_at.isoformat(),
    )
    make_due(delivery)
    send.send_delivery(delivery.pk)
    make_due(delivery)
    assert send.send_delivery(delivery.pk) is True
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, len(delivery.attempt_log)) == (
        DeliveryStatus.SENT,
        3,
        2,
    )
    assert OutboxEntry.objects.count() == 1


def test_it_gives_up_after_the_configured_attempts(queue, monkeypatch, settings):
    settings.HUSHPOST_DELIVERY_MAX_ATTEMPTS = 3
    use(monkeypatch, Flaky(*[DeliveryError("busy", permanent=False, code="4") for _ in range(5)]))
    delivery = queue("sms")
    for _ in range(3):
        make_due(delivery)
        send.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason, delivery.error_code) == (
        DeliveryStatus.FAILED,
        "gave up after 3 attempts: busy",
        "4",
    )
    assert delivery.failed_at and len(delivery.attempt_log) == 3
    assert kinds(delivery) == ["queued", "failed"]


def test_a_permanent_failure_fails_with_the_providers_reason_and_an_opt_out_is_remembered(
    queue, jane, monkeypatch
):
    use(
        monkeypatch,
        Flaky(
            DeliveryError("the recipient replied STOP (Twilio 21610)", permanent=True, code="21610")
        ),
    )
    delivery = queue("sms")
    send.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "21610")
    assert delivery.reason == "the recipient replied STOP (Twilio 21610)"
    event = Event.objects.get(delivery=delivery, kind=EventKind.FAILED)
    assert event.detail["code"] == "21610" and event.detail["opted_out"] is True
    jane.refresh_from_db()
    assert jane.sms_opt_out and not jane.email_opt_out


def test_a_failure_that_may_have_been_sent_is_not_retried(queue, monkeypatch):
    flaky = use(monkeypatch, Flaky(DeliveryError("no answer", permanent=False, maybe_sent=True)))
    delivery = queue("sms")
    send.send_delivery(delivery.pk)
    make_due(delivery)
    send.send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code, delivery.reason) == (
        DeliveryStatus.FAILED,
        "ambiguous",
        retry_policy.AMBIGUOUS_REASON,
    )
    assert flaky.calls == 1
    assert delivery.attempt_log[0]["error"] == "no answer"


def test_an_unexpected_error_in_a_channel_is_treated_as_maybe_sent(queue, monkeypatch):
    use(monkeypatch, Flaky(KeyError("surprise")))
    delivery = queue("sms")
    assert send.send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
