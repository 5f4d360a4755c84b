"""A receiver that hangs, with a real process: one `hushpost worker` sends both the
messages and the webhooks, on the test database.

The hanging receiver accepts every webhook and never answers. Meanwhile a
message sent through the API must go out at once, and another
organization's webhook must arrive at once: the hanging endpoint holds at
most PER_ENDPOINT of the worker's webhook threads, each for at most its 10 s,
and the delivery loop never waits for them.
"""

from __future__ import annotations

import time

import pytest

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.webhooks.endpoints import create_endpoint
from hushpost.webhooks.sender import PER_ENDPOINT
from tests.conftest import free_port
from tests.reliability import start_worker, stop_worker, wait_until, worker_env
from tests.webhook_receiver import Reply, WebhookReceiver

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def hanging():
    server = WebhookReceiver(free_port())
    server.script(*[Reply(hang=True)] * 50)
    server.start()
    yield server
    server.stop()  # lets the held requests go


@pytest.fixture
def processes(tmp_path):
    env = worker_env()  # no provider settings: messages go to the development outbox
    worker = start_worker(env, tmp_path / "worker.log")
    yield worker
    stop_worker(worker)
    print("--- worker.log", (tmp_path / "worker.log").read_text(errors="replace")[-3000:], sep="\n")


def test_a_hanging_receiver_slows_neither_sending_nor_other_organizations(
    api, org_a, org_b, jane, hanging, receiver, processes
):
    create_endpoint(org_a, url=hanging.url, events=["*"])
    _, their_secret = create_endpoint(org_b, url=receiver.url, events=["contact_created"])
    for _ in range(6):
        record(org_a, EventKind.CONTACT_UPDATED, contact=jane, fields="name")
    # The sender takes the hanging endpoint's first webhooks, which never get an answer.
    wait_until(lambda: len(hanging.requests) >= PER_ENDPOINT, 20, "the hanging receiver's first")

    started = time.monotonic()
    sent = api.post(
        "messages",
        {"contact_ids": [str(jane.pk)], "channel": "sms", "secure": False, "body": "Hi"},
    )
    assert sent.status_code == 202, sent.content
    assert time.monotonic() - started < 2, "the API waited on webhooks"
    delivery = Delivery.objects.get(pk=sent.json()["deliveries"][0]["id"])
    took = wait_until(
        lambda: (
            Delivery.objects.get(pk=delivery.pk).status
            not in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
        ),
        10,
        "the worker to send the message",
    )
    assert took < 5, f"sending took {took:.1f} s while a receiver hung"

    record(org_b, EventKind.CONTACT_CREATED)
    took = wait_until(lambda: len(receiver.requests) >= 1, 10, "the other organization's webhook")
    assert took < 5, f"another organization's webhook took {took:.1f} s"
    assert receiver.verified(their_secret)[0]["type"] == "contact_created"
    # Within one deadline (10 s) the hanging endpoint held no more than its share of threads.
    first = hanging.requests[0].at
    assert len([r for r in hanging.requests if r.at - first < 9.5]) == PER_ENDPOINT
    hanging.released.set()  # the held requests end now, not at their deadline
