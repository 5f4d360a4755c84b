"""Home: what a staff member's day starts with — unread replies (theirs, nobody's),
today's and tomorrow's appointments with what went out and what is due, what
failed or was held back, sends still going out, failed imports; each linking
to where it is handled, and empty states that say what to do."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from hushpost.appointments.models import AutoMessage
from hushpost.appointments.schedule import send_due
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.imports.models import ImportKind, ImportRun, ImportStatus
from hushpost.messaging.inbound import store_reply
from hushpost.messaging.models import Conversation
from tests.appointments.helpers import at, make_appointment
from tests.web.test_inbox import contact, enable_secure, reply, secure_message

pytestmark = pytest.mark.django_db

# Tuesday 3 March 2026, 8:00 in New York.
MORNING = dt.datetime(2026, 3, 3, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def day(org_a, alice, bob):
    with time_machine.travel(MORNING, tick=False):
        enable_secure(org_a)
        AutoMessage.objects.create(
            organization=org_a,
            name="Reminder the day before",
            channel="sms",
            timing="before_start",
            offset_minutes=24 * 60,
            body="See you at {{ appointment.start_time }}",
        )
        jane = contact(org_a, "Jane Roe", phone="+14155550100")
        sam = contact(org_a, "Sam Poe", phone="+14155550101")
        olive = contact(org_a, "Olive Oyl", email="olive@example.com")
        reply(secure_message(org_a, jane, alice), "Can I come later?")
        store_reply(sam, body="Parking?", sid="SM1", now=timezone.now())
        reply(secure_message(org_a, olive, bob, channel="email"), "Thanks")
        make_appointment(org_a, jane, at("2026-03-03T15:00"), title="Check-up", staff=alice)
        make_appointment(org_a, sam, at("2026-03-04T09:30"), title="Blood test")
        make_appointment(org_a, olive, at("2026-03-06T11:00"), title="Later")
        send_due()  # tomorrow's reminder was due at 9:30 today: not yet
        Delivery.objects.create(
            organization=org_a,
            contact=olive,
            channel="sms",
            status=DeliveryStatus.HELD,
            reason="no mobile phone on file",
            idempotency_key="held-1",
        )
        ImportRun.objects.create(
            organization=org_a,
            kind=ImportKind.CONTACTS,
            format="csv",
            file_name="patients.csv",
            status=ImportStatus.FAILED,
            error="The file is not UTF-8.",
        )
    return {"jane": jane, "sam": sam, "olive": olive}


def home(client):
    with time_machine.travel(MORNING + dt.timedelta(minutes=5), tick=False):
        response = client.get("/")
    assert response.status_code == 200
    return response


def test_signing_in_lands_on_home(client, alice):
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert response["Location"] == "/"
    assert client.get("/").context["nav"] == "home"


def test_replies_waiting_for_me_and_for_nobody(alice_client, day):
    response = home(alice_client)
    replies = response.context["home"].replies
    assert [c.contact.name for c in replies.mine] == ["Jane Roe"]
    assert [c.contact.name for c in replies.nobodys] == ["Sam Poe"]
    assert replies.colleagues_count == 1  # Olive is Bob's
    # The same count as the Inbox and the menu.
    assert (
        replies.total
        == 3
        == Conversation.objects.for_org(day["jane"].organization).unread_replies()
    )
    html = response.content.decode()
    assert 'data-tile="unread">3<' in html
    assert f'href="/inbox/{day["jane"].pk}/"' in html and f'href="/inbox/{day["sam"].pk}/"' in html
    assert "1 more conversation with unread replies is assigned to colleagues" in html


def test_todays_and_tomorrows_appointments_with_what_went_out_and_what_is_due(alice_client, day):
    response = home(alice_client)
    today, tomorrow = response.context["home"].days
    assert [item.appointment.contact.name for item in today.items] == ["Jane Roe"]
    assert [item.appointment.contact.name for item in tomorrow.items] == ["Sam Poe"]
    html = response.content.decode()
    assert "3:00 p.m.</time></strong> Jane Roe" in html
    assert "Not confirmed yet" in html
    # Jane's reminder for today went out when she was booked this morning; Sam's is due.
    assert "Next:</span> Reminder the day before, <time" in html
    assert "Tue 3 Mar 2026, 9:30 a.m. EST" in html
    assert 'data-tile="today">1<' in html


def test_deliveries_that_need_a_person_and_failed_imports(alice_client, day):
    html = home(alice_client).content.decode()
    assert 'data-tile="attention">1<' in html and "no mobile phone on file" in html
    assert "patients.csv" in html and "The file is not UTF-8." in html
    assert 'href="/deliveries/"' in html


def test_sends_in_progress_show_how_far_they_are(alice_client, org_a, alice, day):
    with time_machine.travel(MORNING, tick=False):
        secure_message(org_a, day["sam"], alice, body="Still queued")
    html = home(alice_client).content.decode()
    assert 'data-tile="sending">' in html
    send = home(alice_client).context["home"].sending
    assert any(item.total >= 1 and item.done < item.total for item in send)
    assert f'href="/sends/{send[0].send.pk}/"' in html


def test_an_empty_day_says_what_to_do_next(alice_client, org_a):
    html = home(alice_client).content.decode()
    assert "No unread replies." in html and "Nothing booked." in html
    assert "Nothing failed or was held back in the last week." in html
    assert "Add an appointment" in html
    later = contact(org_a, "Later Lee", email="later@example.com")
    make_appointment(org_a, later, at("2026-03-09T10:00"))
    html = home(alice_client).content.decode()
    assert "1 appointment on Monday 9 March 2026" in html
    assert "?view=day&amp;date=2026-03-09" in html


def test_a_member_sees_their_own_home_and_nothing_of_another_organization(
    bob_client, day, org_b, mallory
):
    enable_secure(org_b)
    theirs = contact(org_b, "Hidden Person", email="hidden@harbor.example")
    reply(secure_message(org_b, theirs, mallory, channel="email"), "secret")
    response = home(bob_client)
    assert [c.contact.name for c in response.context["home"].replies.mine] == ["Olive Oyl"]
    assert "Hidden Person" not in response.content.decode()
