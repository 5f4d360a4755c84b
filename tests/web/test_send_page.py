"""The send page shows what was sent — each recipient's own copy — and showing it
is audited like opening the conversation (once, though the page refreshes itself)."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.models import Send
from tests.web.test_compose import contact, enable_secure, post

pytestmark = pytest.mark.django_db


def views():
    return Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION, detail__via="send page")


@pytest.fixture
def sent(alice_client, org_a):
    enable_secure(org_a)
    jane = contact(org_a, "Jane Roe", phone="+14155550100", secure_pin="1234")
    sam = contact(org_a, "Sam Poe", phone="+14155550101", secure_pin="5678")
    response = post(alice_client, [jane, sam], body="Hello {{ contact.first_name }}, all is well.")
    assert response.status_code == 302
    return Send.objects.get(), jane, sam


def test_it_shows_one_recipients_copy_and_records_the_view(alice_client, alice, sent):
    send, jane, sam = sent
    html = alice_client.get(f"/sends/{send.pk}/").content.decode()
    assert "What was sent" in html and "Hello Jane, all is well." in html
    assert "Hello Sam" not in html
    view = views().get()
    assert (view.actor, view.contact, view.message.send) == (alice, jane, send)
    # Another recipient's copy, chosen from the list.
    html = alice_client.get(f"/sends/{send.pk}/", {"contact": str(sam.pk)}).content.decode()
    assert "Hello Sam, all is well." in html and "Hello Jane" not in html
    assert views().count() == 2 and views().latest("id").contact == sam


def test_the_refreshing_page_records_one_view_per_viewer(alice_client, sent):
    send, _, _ = sent
    for _ in range(3):
        alice_client.get(f"/sends/{send.pk}/")
    assert views().count() == 1


def test_a_bad_or_foreign_contact_id_falls_back_to_the_first_copy(alice_client, org_b, sent):
    send, _, _ = sent
    theirs = contact(org_b, "Hidden Person", email="h@harbor.example")
    for wanted in ("not-an-id", str(theirs.pk)):
        html = alice_client.get(f"/sends/{send.pk}/", {"contact": wanted}).content.decode()
        assert "Hello Jane, all is well." in html and "Hidden Person" not in html


def test_a_send_held_back_for_everyone_shows_no_message(alice_client, org_a):
    enable_secure(org_a)
    nobody = contact(org_a, "No Phone", email="n@example.com")
    response = post(alice_client, [nobody], body="Hello")
    html = alice_client.get(response["Location"]).content.decode()
    assert "What was sent" not in html and "no mobile phone on file" in html
    assert not views().exists()
