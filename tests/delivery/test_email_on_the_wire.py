"""Email as mail clients read it: the bytes a real SMTP server (aiosmtpd) receives and
the JSON Postmark's stand-in receives, not a parsed header.

List-Unsubscribe must arrive as RFC 2369's raw `<https://…>` with RFC 8058's
one-click header; the sender's name must arrive as the business wrote it,
on every path (notifications, bulk email, staff emails); the Message-ID is
on the sending domain everywhere.
"""

from __future__ import annotations

import email
import email.policy
import json
import re
from datetime import timedelta

import pytest

from hushpost.accounts import staff
from hushpost.accounts.models import Role
from hushpost.contacts.models import Contact
from hushpost.delivery.models import DeliveryStatus
from hushpost.delivery.send import send_delivery
from hushpost.delivery.unsubscribe import make_token
from hushpost.messaging.compose import send_message
from hushpost.messaging.conversations import receive_reply
from hushpost.messaging.links import create_link
from tests.delivery.conftest import attempt, make_due

pytestmark = pytest.mark.django_db

# As businesses write them; the operator may or may not quote them.
NAMES = [
    "Praxis Dr. Müller",
    "O'Brien & Co.",
    "Dr. Smith's Clinic",
    "Smith, Jones & Partners",
    'The "Best" Clinic',
    "診療所 山田",
    "Клиника д-ра Иванова",
    "عيادة الشفاء",
]
LONG_BASE_URL = "https://secure-messages.praxis-dr-mueller-und-kollegen.example"


def raw_header_lines(raw: bytes) -> list[bytes]:
    """The header block's lines as sent, folding kept (a continuation starts with a space)."""
    head = raw.split(b"\r\n\r\n", 1)[0]
    return head.split(b"\r\n")


def header_line(raw: bytes, name: str) -> bytes:
    """One header exactly as it went over the wire, continuation lines included."""
    lines = raw_header_lines(raw)
    prefix = name.encode().lower() + b":"
    for index, line in enumerate(lines):
        if line.lower().startswith(prefix):
            folded = [line]
            for more in lines[index + 1 :]:
                if not more[:1].isspace():
                    break
                folded.append(more)
            return b"\r\n".join(folded)
    raise AssertionError(f"no {name} header in {raw[:2000]!r}")


def unfolded(line: bytes) -> bytes:
    """RFC 5322 unfolding: a line break before whitespace is not part of the value."""
    return re.sub(rb"\r\n(?=[ \t])", b"", line)


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)


@pytest.fixture
def john(org_a):
    return Contact.objects.create(organization=org_a, name="John Roe", email="john@example.com")


def bulk_email(org_a, alice, contacts):
    result = send_message(
        org_a,
        contacts=contacts,
        channel="email",
        secure=False,
        subject="Closed on Friday",
        body="The clinic is closed on Friday.",
        sender=alice,
    )
    for outcome in result.outcomes:
        assert outcome.delivery.bulk is True
        assert send_delivery(outcome.delivery.pk) is True
    return result


def test_list_unsubscribe_reaches_the_smtp_server_as_a_raw_url_with_one_click(
    org_a, jane, john, alice, smtp_server, settings
):
    # A long public URL: Python's email package used to fold it into encoded words.
    settings.BASE_URL = LONG_BASE_URL
    bulk_email(org_a, alice, [jane, john])
    by_recipient = {
        envelope.rcpt_tos[0]: envelope.original_content for envelope in smtp_server.messages
    }
    for contact in (jane, john):
        raw = by_recipient[contact.email]
        url = f"{LONG_BASE_URL}/u/{make_token(contact.pk, contact.email)}/"
        assert len(url) > 78
        assert header_line(raw, "List-Unsubscribe") == f"List-Unsubscribe: <{url}>".encode()
        assert (
            header_line(raw, "List-Unsubscribe-Post")
            == b"List-Unsubscribe-Post: List-Unsubscribe=One-Click"
        )
        assert b"=?" not in header_line(raw, "List-Unsubscribe")


def test_list_unsubscribe_reaches_postmark_as_the_raw_url(
    org_a, jane, alice, john, postmark_standin, settings
):
    settings.BASE_URL = LONG_BASE_URL
    bulk_email(org_a, alice, [jane, john])
    requests = {request.json["To"]: request for request in postmark_standin.requests}
    raw = requests["jane@example.com"].raw
    url = f"{LONG_BASE_URL}/u/{make_token(jane.pk, jane.email)}/"
    # The JSON text itself names the URL in angle brackets, and no encoded word anywhere.
    assert json.dumps(f"<{url}>").encode() in raw
    assert b"=?" not in raw
    headers = {item["Name"]: item["Value"] for item in json.loads(raw)["Headers"]}
    assert headers["List-Unsubscribe"] == f"<{url}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("quoted", [False, True], ids=["as typed", "quoted"])
def test_a_notification_carries_the_sender_name_as_written_over_smtp(
    name, quoted, queue, smtp_server, settings
):
    written = '"{}"'.format(name.replace('"', '\\"')) if quoted else name
    settings.DEFAULT_FROM_EMAIL = f"{written} <praxis@mueller-praxis.example>"
    delivery = queue("email", subject="A secure message")
    assert send_delivery(delivery.pk) is True
    [envelope] = smtp_server.messages
    raw = envelope.original_content
    assert envelope.mail_from == "praxis@mueller-praxis.example"
    # 7-bit headers (no SMTPUTF8 needed) that decode back to the exact name.
    assert header_line(raw, "From").isascii()
    [sender] = parsed(raw)["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (name, "praxis@mueller-praxis.example")
    assert unfolded(header_line(raw, "Message-ID")) == (
        f"Message-ID: <hushpost.{delivery.pk}@mueller-praxis.example>".encode()
    )


@pytest.mark.parametrize("name", NAMES)
def test_a_notification_carries_the_sender_name_as_written_to_postmark(
    name, queue, postmark_standin, settings
):
    settings.DEFAULT_FROM_EMAIL = f"{name} <praxis@mueller-praxis.example>"
    delivery = queue("email", subject="A secure message")
    assert send_delivery(delivery.pk) is True
    [request] = postmark_standin.requests
    sent = json.loads(request.raw)
    header = email.policy.default.header_factory("From", sent["From"])
    [sender] = header.addresses
    assert (sender.display_name, sender.addr_spec) == (name, "praxis@mueller-praxis.example")
    headers = {item["Name"]: item["Value"] for item in sent["Headers"]}
    assert headers["Message-ID"] == f"<hushpost.{delivery.pk}@mueller-praxis.example>"


def test_a_period_in_an_unquoted_name_no_longer_fails_every_email(queue, smtp_server, settings):
    # Before: Django's SMTP backend refused "period in 'phrase'", and the failure
    # blamed the recipient ("the email address is not valid").
    settings.DEFAULT_FROM_EMAIL = "Praxis Dr. Müller <praxis@mueller-praxis.example>"
    delivery = attempt(queue("email", subject="Hello"))
    assert delivery.status == DeliveryStatus.SENT and len(smtp_server.messages) == 1


def test_a_bad_sender_is_blamed_on_the_setting_not_the_contact_and_retried(
    queue, jane, smtp_server, settings
):
    settings.DEFAULT_FROM_EMAIL = "Riverside Clinic <notify@>"
    delivery = attempt(queue("email", subject="Hello"))
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.QUEUED, "invalid_sender")
    error = delivery.attempt_log[0]["error"]
    assert error.startswith("our sender address (HUSHPOST_FROM_EMAIL) is not valid: ")
    assert "'notify@' is not an email address we can send from" in error
    jane.refresh_from_db()
    assert jane.email_opt_out is False
    # The operator fixes the setting; the retry goes out.
    settings.DEFAULT_FROM_EMAIL = "Riverside Clinic <notify@riverside.example>"
    make_due(delivery)
    assert attempt(delivery).status == DeliveryStatus.SENT
    assert len(smtp_server.messages) == 1


def test_a_contact_address_no_mail_server_can_take_is_the_contacts_and_final(
    queue, jane, smtp_server
):
    # A non-ASCII local part needs SMTPUTF8, which we don't speak.
    type(jane).objects.filter(pk=jane.pk).update(email="jürgen@example.com")
    delivery = attempt(queue("email", subject="Hi", to="jürgen@example.com"))
    assert (delivery.status, delivery.error_code, delivery.reason) == (
        DeliveryStatus.FAILED,
        "invalid_address",
        "the contact's email address is not valid",
    )
    assert smtp_server.messages == []


@pytest.fixture
def praxis_sender(settings):
    settings.DEFAULT_FROM_EMAIL = "Praxis Dr. Müller <praxis@mueller-praxis.example>"
    settings.BASE_URL = "https://hushpost.mueller-praxis.example"


def assert_from_the_praxis(raw: bytes) -> None:
    message = parsed(raw)
    [sender] = message["From"].addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Praxis Dr. Müller",
        "praxis@mueller-praxis.example",
    )
    assert re.fullmatch(
        rb"Message-ID: <[^<>@\s]+@mueller-praxis\.example>",
        unfolded(header_line(raw, "Message-ID")),
    )


def test_a_password_reset_email_is_from_the_sender_with_a_message_id_on_its_domain(
    client, alice, smtp_server, praxis_sender
):
    client.post("/accounts/password-reset/", {"email": alice.email})
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [alice.email]
    assert_from_the_praxis(envelope.original_content)


def test_a_reply_notice_is_from_the_sender_with_a_message_id_on_its_domain(
    jane, alice, smtp_server, praxis_sender, django_capture_on_commit_callbacks
):
    link, _ = create_link(contact=jane, message=None, channel="sms", lifetime=timedelta(hours=24))
    with django_capture_on_commit_callbacks(execute=True):
        receive_reply(link=link, body="Thank you")
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [alice.email]
    assert_from_the_praxis(envelope.original_content)


def test_an_invitation_is_from_the_sender_with_a_message_id_on_its_domain(
    alice, smtp_server, praxis_sender
):
    invitation = staff.invite_user(alice, email="nia@riverside.example", role=Role.MEMBER)
    assert invitation.sent
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["nia@riverside.example"]
    assert_from_the_praxis(envelope.original_content)


def test_a_staff_email_through_postmark_is_from_the_sender_as_written(
    client, alice, postmark_standin, praxis_sender
):
    client.post("/accounts/password-reset/", {"email": alice.email})
    [request] = postmark_standin.requests
    sent = json.loads(request.raw)
    [sender] = email.policy.default.header_factory("From", sent["From"]).addresses
    assert (sender.display_name, sender.addr_spec) == (
        "Praxis Dr. Müller",
        "praxis@mueller-praxis.example",
    )
    headers = {item["Name"]: item["Value"] for item in sent["Headers"]}
    assert re.fullmatch(r"<[^<>@\s]+@mueller-praxis\.example>", headers["Message-ID"])
