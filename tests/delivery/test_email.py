"""Email over SMTP to a real server (aiosmtpd): parts, headers, and what each SMTP failure means."""

import asyncio
import collections
import email
import email.policy

import pytest
from aiosmtpd.controller import Controller

from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import send_delivery
from tests.conftest import free_port
from tests.delivery.conftest import NOTIFICATION, attempt, make_due

pytestmark = pytest.mark.django_db


class ScriptedServer:
    """An aiosmtpd handler that answers RCPT and DATA from a script, then accepts."""

    def __init__(self):
        self.rcpt_replies = collections.deque()
        self.data_replies = collections.deque()
        self.data_delay = 0.0
        self.messages = []  # envelopes accepted (or taken, for a slow answer)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.popleft()
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.popleft()
        self.messages.append(envelope)
        await asyncio.sleep(self.data_delay)
        return "250 OK queued"


@pytest.fixture
def mail_server(settings):
    """A scripted SMTP server on a free port; `.start()`/`.stop()` it to make the server
    go away and come back."""
    handler, port = ScriptedServer(), free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.DEFAULT_FROM_EMAIL = "Riverside via Hushpost <notify@hushpost.example>"
    controllers = []

    def start():
        controllers.append(Controller(handler, hostname="127.0.0.1", port=port))
        controllers[-1].start()

    handler.start = start
    handler.stop = lambda: controllers.pop().stop()
    start()
    yield handler
    while controllers:
        controllers.pop().stop()


def parsed(envelope):
    return email.message_from_bytes(envelope.original_content, policy=email.policy.default)


def test_it_sends_text_and_html_parts_with_our_sender_and_message_id(
    queue, jane, smtp_server, settings
):
    settings.DEFAULT_FROM_EMAIL = "Riverside via Hushpost <notify@hushpost.example>"
    delivery = queue("email", subject="A secure message from Riverside Clinic")
    assert send_delivery(delivery.pk) is True
    [envelope] = smtp_server.messages
    assert (envelope.mail_from, envelope.rcpt_tos) == ("notify@hushpost.example", [jane.email])
    message = parsed(envelope)
    assert message["Subject"] == "A secure message from Riverside Clinic"
    assert (
        message["From"] == "Riverside via Hushpost <notify@hushpost.example>"
        and message["To"] == jane.email
    )
    assert message["Message-ID"] == f"<hushpost.{delivery.pk}@hushpost.example>"
    # Exactly the notification, in two forms, and nothing else: no attachments, no other parts.
    assert [part.get_content_type() for part in message.walk()] == [
        "multipart/alternative",
        "text/plain",
        "text/html",
    ]
    assert (
        message.get_body(("plain",)).get_content().replace("\r\n", "\n").rstrip("\n")
        == NOTIFICATION
    )
    html = message.get_body(("html",)).get_content()
    assert (
        '<a href="http://127.0.0.1:8000/s/Tk3n-abc_123">http://127.0.0.1:8000/s/Tk3n-abc_123</a>'
        in html
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider) == (DeliveryStatus.SENT, "smtp")
    assert delivery.provider_id == f"hushpost.{delivery.pk}@hushpost.example"


def test_with_the_server_down_it_retries_and_delivers_once_when_it_is_back(queue, mail_server):
    mail_server.stop()
    delivery = queue("email", subject="Hi")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.QUEUED
    assert (
        delivery.attempt_log[0]["error"]
        == "could not connect to the mail server (ConnectionRefusedError)"
    )
    mail_server.start()
    make_due(delivery)
    assert send_delivery(delivery.pk) is True
    assert len(mail_server.messages) == 1


@pytest.mark.parametrize("where", ["rcpt", "data"])
def test_a_4xx_is_retried(queue, mail_server, where):
    getattr(mail_server, f"{where}_replies").append("451 4.3.0 Try again later")
    delivery = queue("email", subject="Hi")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.QUEUED, "451")
    assert "451 4.3.0 Try again later" in delivery.attempt_log[0]["error"]
    make_due(delivery)
    send_delivery(delivery.pk)
    assert Delivery.objects.get().status == DeliveryStatus.SENT and len(mail_server.messages) == 1


def test_a_refused_recipient_fails_with_the_servers_words(queue, mail_server):
    mail_server.rcpt_replies.append(
        "550 5.1.1 <jane@example.com>: Recipient address rejected: User unknown"
    )
    delivery = queue("email", subject="Hi")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "550")
    assert delivery.reason == (
        "the mail server refused the address: 550 5.1.1 <jane@example.com>: "
        "Recipient address rejected: User unknown"
    )
    assert not mail_server.messages


def test_a_rejected_message_fails(queue, mail_server):
    mail_server.data_replies.append("554 5.7.1 Message rejected as spam")
    delivery = queue("email", subject="Hi")
    attempt(delivery)
    assert (delivery.status, delivery.reason) == (
        DeliveryStatus.FAILED,
        "the mail server refused the message: 554 5.7.1 Message rejected as spam",
    )


def test_a_timeout_after_data_may_have_delivered_it_so_it_is_not_resent(
    queue, mail_server, settings
):
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = 0.5
    mail_server.data_delay = 1.5
    delivery = queue("email", subject="Hi")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
    assert "stopped answering after taking the message" in delivery.attempt_log[0]["error"]
    make_due(delivery)
    send_delivery(delivery.pk)
    assert len(mail_server.messages) == 1


def test_an_address_the_mailer_cannot_use_fails_at_once(queue, jane, mail_server):
    type(jane).objects.filter(pk=jane.pk).update(email="jane@exa\nmple.com")
    delivery = queue("email", subject="Hi", to="jane@exa\nmple.com")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "invalid_address")
