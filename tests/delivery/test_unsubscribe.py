"""List-Unsubscribe on bulk email (RFC 2369 + RFC 8058 one-click) and the
/u/<token>/ page behind it."""

import email
import email.policy

import pytest
from django.test import Client

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import send_delivery
from hushpost.delivery.unsubscribe import make_token
from hushpost.messaging.compose import send_message
from hushpost.messaging.models import Origin

pytestmark = pytest.mark.django_db


@pytest.fixture
def john(org_a):
    return Contact.objects.create(organization=org_a, name="John Roe", email="john@example.com")


def send_and_read(smtp_server, result) -> dict[str, email.message.EmailMessage]:
    """Send every delivery of a compose result through the real SMTP server;
    the emails by recipient."""
    for outcome in result.outcomes:
        assert send_delivery(outcome.delivery.pk) is True
    messages = [
        email.message_from_bytes(envelope.content, policy=email.policy.default)
        for envelope in smtp_server.messages
    ]
    return {message["To"]: message for message in messages}


def test_a_plain_email_to_several_contacts_carries_each_ones_one_click_unsubscribe(
    org_a, jane, john, alice, smtp_server
):
    result = send_message(
        org_a,
        contacts=[jane, john],
        channel="email",
        secure=False,
        subject="Closed on Friday",
        body="The clinic is closed on Friday.",
        sender=alice,
    )
    mails = send_and_read(smtp_server, result)
    jane_mail = mails["jane@example.com"]
    token = make_token(jane.pk, "jane@example.com")
    assert jane_mail["List-Unsubscribe"] == f"<http://127.0.0.1:8000/u/{token}/>"
    assert jane_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    john_token = make_token(john.pk, john.email)
    assert (
        mails["john@example.com"]["List-Unsubscribe"] == f"<http://127.0.0.1:8000/u/{john_token}/>"
    )


def test_an_automated_message_is_bulk_even_to_one_contact(org_a, jane, smtp_server):
    result = send_message(
        org_a,
        contacts=[jane],
        channel="email",
        secure=False,
        subject="Reminder",
        body="See you tomorrow.",
        actor_label="auto message",
        origin=Origin.AUTO,
    )
    mails = send_and_read(smtp_server, result)
    assert mails["jane@example.com"]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_secure_notifications_and_one_to_one_email_carry_no_unsubscribe(
    org_a, jane, john, alice, secure_on, smtp_server
):
    secure = send_message(
        org_a,
        contacts=[jane, john],
        channel="email",
        secure=True,
        subject="Your results",
        body="Your results are in.",
        sender=alice,
    )
    single = send_message(
        org_a,
        contacts=[jane],
        channel="email",
        secure=False,
        subject="Hi",
        body="Hello.",
        sender=alice,
    )
    for outcome in [*secure.outcomes, *single.outcomes]:
        assert outcome.delivery.bulk is False
    send_and_read(smtp_server, secure)
    send_and_read(smtp_server, single)
    assert len(smtp_server.messages) == 3
    for envelope in smtp_server.messages:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert message["List-Unsubscribe"] is None
        assert message["List-Unsubscribe-Post"] is None


def url_for(contact) -> str:
    return f"/u/{make_token(contact.pk, contact.email)}/"


def test_the_page_asks_first_and_changes_nothing(client, jane):
    response = client.get(url_for(jane))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Stop email from Riverside Clinic?" in page
    assert '<form method="post">' in page
    assert "jane@example.com" not in page and "Jane" not in page
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    assert "default-src 'none'" in response["Content-Security-Policy"]
    jane.refresh_from_db()
    assert jane.email_opt_out is False
    assert not Event.objects.filter(kind=EventKind.EMAIL_OPTED_OUT).exists()


def test_a_one_click_post_without_cookies_or_csrf_token_opts_out_once(jane):
    mail_client = Client(
        enforce_csrf_checks=True
    )  # as a mail provider's server posts: no cookie, no token
    for _ in range(2):
        response = mail_client.post(
            url_for(jane),
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        )
        assert response.status_code == 200
        assert "You are unsubscribed" in response.content.decode()
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    [event] = Event.objects.filter(kind=EventKind.EMAIL_OPTED_OUT)
    assert event.contact == jane
    assert event.detail == {"reason": "unsubscribed", "via": "one_click"}
    # The page now says so instead of asking again.
    assert "You are unsubscribed" in mail_client.get(url_for(jane)).content.decode()


def test_the_button_on_the_page_opts_out_and_the_next_email_is_held(client, jane, queue):
    response = client.post(url_for(jane))
    assert response.status_code == 200
    event = Event.objects.get(kind=EventKind.EMAIL_OPTED_OUT)
    assert event.detail["via"] == "page"
    delivery = queue("email", subject="Hello")
    send_delivery(delivery.pk)
    delivery = Delivery.objects.get(pk=delivery.pk)
    assert delivery.status == DeliveryStatus.HELD
    assert delivery.reason == "opted out of email"


@pytest.mark.parametrize("token", ["nonsense", "{good}x", "{other_address}"])
def test_a_bad_token_gets_the_not_valid_page_and_changes_nothing(client, jane, token):
    token = token.format(
        good=make_token(jane.pk, jane.email), other_address=make_token(jane.pk, "old@example.com")
    )
    for response in (
        client.get(f"/u/{token}/"),
        client.post(
            f"/u/{token}/",
            "List-Unsubscribe=One-Click",
            content_type="application/x-www-form-urlencoded",
        ),
    ):
        assert response.status_code == 404
        assert "This link is not valid" in response.content.decode()
        assert response["Referrer-Policy"] == "no-referrer"
    jane.refresh_from_db()
    assert jane.email_opt_out is False


def test_an_address_that_changed_cannot_be_unsubscribed_by_the_old_link(client, jane):
    old_link = url_for(jane)
    Contact.objects.filter(pk=jane.pk).update(email="jane.new@example.com")
    assert client.post(old_link).status_code == 404
    jane.refresh_from_db()
    assert jane.email_opt_out is False
