"""The worker's email keeps one SMTP connection across messages (delivery/batch.py,
channels/email.py), against a real SMTP server (aiosmtpd) that counts its connections
and drops them: a connection found closed before a message was offered is replaced and
the message sent on the new one; one dropped while the server took the message is
ambiguous, as for a single send, and never sent twice."""

from __future__ import annotations

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from hushpost.delivery.batch import BatchSender
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.retry_policy import AMBIGUOUS_CODE
from tests.conftest import free_port

pytestmark = pytest.mark.django_db(transaction=True)


class DroppingServer:
    """Takes `per_connection` messages on a connection, then drops it at the next MAIL
    (as a server's per-connection limit or idle timeout does); `drop_in_data` names
    the message (1-based, over the whole run) whose DATA it takes and then drops
    without answering."""

    def __init__(self, per_connection: int = 0, drop_in_data: int = 0):
        self.per_connection = per_connection
        self.drop_in_data = drop_in_data
        self.sessions: list = []  # one per connection that offered a message
        self.taken: dict[int, int] = {}  # id(session) → messages taken on it
        self.messages: list = []
        self.drops = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if session not in self.sessions:
            self.sessions.append(session)
        if self.per_connection and self.taken.get(id(session), 0) >= self.per_connection:
            self.drops += 1
            server.transport.abort()
            return "421 closing"  # never reaches the client: the connection is gone
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        self.taken[id(session)] = self.taken.get(id(session), 0) + 1
        if len(self.messages) == self.drop_in_data:
            self.drops += 1
            server.transport.abort()
        return "250 OK queued"

    def message_ids(self) -> list[str]:
        return [
            email.message_from_bytes(m.original_content, policy=email.policy.default)["Message-ID"]
            for m in self.messages
        ]


@pytest.fixture
def serve(settings):
    controllers = []

    def start(handler: DroppingServer) -> DroppingServer:
        port = free_port()
        settings.MAILERS = {
            "default": {
                "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
            }
        }
        settings.DEFAULT_FROM_EMAIL = "Riverside via Hushpost <notify@hushpost.example>"
        controllers.append(Controller(handler, hostname="127.0.0.1", port=port))
        controllers[-1].start()
        return handler

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def sender():
    sender = BatchSender(concurrency=2)
    yield sender
    sender.close()


def emails(queue, count: int, prefix: str) -> list[Delivery]:
    return [queue("email", subject="A secure message", key=f"{prefix}:{i}") for i in range(count)]


def message_id(delivery: Delivery) -> str:
    return f"<hushpost.{delivery.pk}@hushpost.example>"


def test_a_batch_of_emails_shares_one_connection_and_the_next_batch_keeps_it(queue, serve, sender):
    server = serve(DroppingServer())
    first, second = emails(queue, 6, "one"), emails(queue, 6, "two")
    assert sender.send_batch([d.pk for d in first]) == {str(d.pk) for d in first}
    assert sender.send_batch([d.pk for d in second]) == {str(d.pk) for d in second}
    assert sorted(server.message_ids()) == sorted(message_id(d) for d in first + second)
    assert len(server.sessions) == 1  # twelve messages, one connection


def test_a_server_dropping_the_connection_between_messages_still_gets_each_once(
    queue, serve, sender
):
    server = serve(DroppingServer(per_connection=3))
    deliveries = emails(queue, 10, "drop")
    sent = sender.send_batch([d.pk for d in deliveries])
    assert sent == {str(d.pk) for d in deliveries}
    # Every message once (by Message-ID), on four connections, three of them dropped.
    assert sorted(server.message_ids()) == sorted(message_id(d) for d in deliveries)
    assert server.drops == 3
    assert len(server.sessions) == 4
    stored = Delivery.objects.filter(pk__in=[d.pk for d in deliveries])
    assert {(d.status, d.attempts) for d in stored} == {(DeliveryStatus.SENT, 1)}


def test_a_connection_dropped_while_the_server_takes_a_message_is_ambiguous_not_resent(
    queue, serve, sender
):
    server = serve(DroppingServer(drop_in_data=3))
    deliveries = emails(queue, 6, "data")
    sent = sender.send_batch([d.pk for d in deliveries])
    ids = server.message_ids()
    assert len(ids) == len(set(ids)) == 6  # the dropped one arrived, and only once
    dropped = next(d for d in deliveries if message_id(d) == ids[2])
    assert sent == {str(d.pk) for d in deliveries if d.pk != dropped.pk}
    dropped.refresh_from_db()
    assert (dropped.status, dropped.error_code) == (DeliveryStatus.FAILED, AMBIGUOUS_CODE)
    # The rest went on a new connection.
    assert len(server.sessions) == 2
