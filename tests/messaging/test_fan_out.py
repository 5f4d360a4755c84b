"""A send fanned out in the background survives its worker dying: resumed, nothing doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery
from hushpost.messaging.audience import contacts_by_id
from hushpost.messaging.fan_out import (
    STALE_AFTER,
    ClaimLost,
    _FanOut,
    claim,
    queue_send,
    resume_stale_fan_outs,
    run_fan_out,
)
from hushpost.messaging.models import FanOut, Message, SecureLink, Send
from hushpost.scheduler.steps import STEPS

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a):
    return Contact.objects.bulk_create(
        Contact(organization=org_a, name=f"Person {i}", phone=f"+1415555{i:04d}") for i in range(30)
    )


def queued(org_a, people, alice) -> Send:
    return queue_send(
        org_a,
        contacts_by_id(org_a, [c.pk for c in people]),
        channel="sms",
        secure=True,
        body="Hello {{ contact.first_name }}",
        sender=alice,
    )


def test_a_refused_send_stores_nothing(org_a, people, alice):
    from hushpost.messaging.compose import ComposeError

    with pytest.raises(ComposeError) as refused:
        queued(org_a, people, alice)  # secure messaging is off
    assert "secure" in refused.value.problems and not Send.objects.exists()


def test_a_worker_that_died_between_batches_is_taken_over_and_nothing_is_doubled(
    org_a, people, alice, secure_on
):
    send = queued(org_a, people, alice)
    heartbeat = claim(send.pk)
    assert heartbeat is not None
    dead = _FanOut(Send.objects.get(pk=send.pk), heartbeat)
    dead.settle(send.recipient_ids["contacts"][:10], done=10)
    # …and the worker dies. While its heartbeat is fresh nobody takes the send.
    assert resume_stale_fan_outs() == 0 and claim(send.pk) is None

    later = timezone.now() + STALE_AFTER + timedelta(seconds=1)
    assert resume_stale_fan_outs(later) == 1
    # The dead worker, come back to life, can't write another batch.
    with pytest.raises(ClaimLost):
        dead.settle(send.recipient_ids["contacts"][10:20], done=20)

    Send.objects.filter(pk=send.pk).update(heartbeat_at=timezone.now() - STALE_AFTER)
    run_fan_out(send.pk, batch_size=7)

    send.refresh_from_db()
    assert send.fan_out == FanOut.DONE and send.fanned_out == 30
    assert Delivery.objects.filter(send=send).count() == 30
    assert Message.objects.filter(send=send).count() == 30
    assert SecureLink.objects.filter(message__send=send).count() == 30
    # The sender's own fields (and who wrote) are as in an inline send.
    message = Message.objects.filter(send=send).first()
    assert message.author == alice and message.body.startswith("Hello Person")


def test_a_batch_whose_progress_was_lost_skips_the_recipients_it_already_made(
    org_a, people, alice, secure_on
):
    send = queued(org_a, people, alice)
    run_fan_out(send.pk, batch_size=10)
    # As if the progress of the whole run were lost: a new run finds every delivery made.
    again = Send.objects.get(pk=send.pk)
    again.fan_out, again.fanned_out = FanOut.QUEUED, 0
    again.recipient_ids = {"contacts": [str(c.pk) for c in people]}
    again.content = {"body": "Hello again", "subject": "", "pin": "", "attachments": []}
    again.save()
    run_fan_out(send.pk, batch_size=10)
    assert Delivery.objects.filter(send=send).count() == 30
    assert Message.objects.filter(send=send).count() == 30


def test_a_deleted_contact_is_left_out(org_a, people, alice, secure_on):
    send = queued(org_a, people, alice)
    people[3].delete()
    run_fan_out(send.pk)
    assert Delivery.objects.filter(send=send).count() == 29


def test_the_scheduler_resumes_stale_fan_outs():
    assert "resume stale send fan-outs" in [name for name, _ in STEPS]


def test_a_request_key_taken_by_a_concurrent_request_gives_back_its_send(
    org_a, people, alice, secure_on, key_a
):
    from hushpost.messaging.compose import AlreadySent, RequestKey, send_message

    api_key, _ = key_a
    key = RequestKey(key="retry-1", digest="d" * 64, api_key=api_key)
    # The other request won the insert between this one's lookup and its own insert.
    first = send_message(
        org_a, contacts=people[:1], channel="sms", secure=True, body="Hi", request_key=key
    ).send
    with pytest.raises(AlreadySent) as already:
        queue_send(
            org_a,
            contacts_by_id(org_a, [c.pk for c in people]),
            channel="sms",
            secure=True,
            body="Hi",
            request_key=key,
        )
    assert already.value.send == first and Send.objects.count() == 1
