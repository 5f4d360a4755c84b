"""Staff retry a failed delivery: the same row goes back to the queue and
the real worker sends it."""

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import send_delivery
from hushpost.delivery.staff_retry import RetryRefused, retry_failed
from tests.delivery.conftest import NOTIFICATION
from tests.twilio_standin import Reply
from tests.worker_run import run_worker

# The worker commits in its own transactions, like a real worker process.
pytestmark = pytest.mark.django_db(transaction=True)

INVALID = Reply.error(400, 21211, "The 'To' number is not a valid phone number.")


def failed(queue, twilio_standin, reply=INVALID, channel="sms") -> Delivery:
    twilio_standin.script(reply)
    delivery = queue(channel)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


def test_a_failed_delivery_is_queued_again_and_the_worker_sends_it_once(queue, bob, twilio_standin):
    delivery = failed(queue, twilio_standin)
    key, first_log = delivery.idempotency_key, list(delivery.attempt_log)

    retried = retry_failed(delivery, bob)
    assert retried.status == DeliveryStatus.QUEUED
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason, delivery.error_code, delivery.failed_at) == (
        DeliveryStatus.QUEUED,
        "",
        "",
        None,
    )
    assert delivery.attempt_log[:-1] == first_log
    assert delivery.attempt_log[-1]["retry_by"] == "bob@riverside.example"
    assert delivery.next_attempt_at <= timezone.now()  # due for the workers at once

    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.idempotency_key == key and Delivery.objects.count() == 1
    assert [r.status for r in twilio_standin.requests] == [400, 201]
    assert [m["body"] for m in twilio_standin.sent] == [NOTIFICATION]
    assert delivery.attempts == 2

    event = Event.objects.get(delivery=delivery, kind=EventKind.QUEUED, actor=bob)
    assert event.detail["manual"] is True and event.detail["retried_by"] == "bob@riverside.example"
    assert event.detail["previous_code"] == "21211"

    # Sent now: a second click (or a stale page) is refused.
    with pytest.raises(RetryRefused, match="Only failed deliveries"):
        retry_failed(delivery, bob)
    run_worker()
    assert len(twilio_standin.sent) == 1


def test_an_ambiguous_failure_needs_confirmation_that_the_provider_log_was_checked(
    queue, bob, twilio_standin
):
    delivery = failed(queue, twilio_standin, Reply(500))
    assert delivery.error_code == "ambiguous"
    with pytest.raises(RetryRefused) as refused:
        retry_failed(delivery, bob)
    # A text message: reconciliation asks Twilio, so staff are told to wait rather than check a log.
    assert (
        refused.value.needs_confirmation
        and "Hushpost is checking with Twilio" in refused.value.message
    )
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    run_worker()
    assert len(twilio_standin.requests) == 1

    retry_failed(delivery, bob, confirmed_not_sent=True)
    event = Event.objects.get(delivery=delivery, kind=EventKind.QUEUED, actor=bob)
    assert event.detail["checked_provider_log"] is True
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [r.status for r in twilio_standin.requests] == [500, 201]


def test_refused_when_the_contact_opted_out(queue, jane, bob, twilio_standin):
    delivery = failed(queue, twilio_standin)
    Contact.objects.filter(pk=jane.pk).update(sms_opt_out=True)
    with pytest.raises(RetryRefused, match="opted out of text messages"):
        retry_failed(delivery, bob)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert not Event.objects.filter(delivery=delivery, kind=EventKind.QUEUED, actor=bob).exists()
    run_worker()
    assert len(twilio_standin.requests) == 1


def test_refused_when_the_address_changed_or_is_gone(queue, jane, bob, twilio_standin):
    delivery = failed(queue, twilio_standin)
    Contact.objects.filter(pk=jane.pk).update(phone="+14155550199")
    with pytest.raises(RetryRefused, match="phone number changed"):
        retry_failed(delivery, bob)
    Contact.objects.filter(pk=jane.pk).update(phone="")
    with pytest.raises(RetryRefused, match="no mobile phone on file"):
        retry_failed(delivery, bob)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_only_failed_deliveries_are_retried(queue, jane, bob, twilio_standin):
    Contact.objects.filter(pk=jane.pk).update(email_opt_out=True)
    held = queue("email")
    send_delivery(held.pk)
    held.refresh_from_db()
    assert held.status == DeliveryStatus.HELD
    with pytest.raises(RetryRefused, match="this one is held back"):
        retry_failed(held, bob)
    queued = queue("sms")
    with pytest.raises(RetryRefused, match="this one is queued"):
        retry_failed(queued, bob)
