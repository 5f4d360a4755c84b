"""Working the Inbox as a front desk does: filters (mine, unassigned, unread, done),
search by name, phone or email, previews of the latest message (audited),
attachments marked, assignment and "assign to me", open/done, and who else
has a conversation open or answered it last."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from hushpost.accounts.models import Role, User
from hushpost.activity.models import Event, EventKind
from hushpost.messaging.conversations import conversation_for
from hushpost.messaging.inbound import store_reply
from hushpost.messaging.inbox import note_viewer
from hushpost.messaging.models import Conversation, ConversationState
from tests.conftest import PASSWORD
from tests.web.test_inbox import contact, enable_secure, reply, secure_message

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a, alice, bob):
    """Jane answered Alice's message (with a file), Sam texted in to nobody, and
    Olive's conversation is Bob's."""
    enable_secure(org_a)
    jane = contact(org_a, "Jane Roe", phone="+14155550100", email="jane@example.com")
    sam = contact(org_a, "Sam Poe", phone="+14155550101", email="sam@poe.example")
    olive = contact(org_a, "Olive Oyl", phone="+14155550102")
    reply(
        secure_message(org_a, jane, alice, body="Your results are ready.\nCall us."),
        "Thanks!\nSee the scan.",
        attachment=("scan.pdf", "application/pdf", b"%PDF-scan"),
    )
    store_reply(sam, body="Is there parking?", sid="SM1", now=timezone.now())
    secure_message(org_a, olive, bob, body="Hello Olive")
    return {"jane": jane, "sam": sam, "olive": olive}


def names(response):
    return [row.conversation.contact.name for row in response.context["rows"]]


def test_filters_mine_unassigned_unread_done_and_all(alice_client, alice, people):
    assert set(names(alice_client.get("/inbox/"))) == {"Jane Roe", "Sam Poe", "Olive Oyl"}
    assert names(alice_client.get("/inbox/?show=mine")) == ["Jane Roe"]
    assert names(alice_client.get("/inbox/?show=unassigned")) == ["Sam Poe"]
    assert set(names(alice_client.get("/inbox/?show=unread"))) == {"Jane Roe", "Sam Poe"}
    assert names(alice_client.get("/inbox/?show=done")) == []
    conversation = Conversation.objects.get(contact=people["olive"])
    alice_client.post(f"/inbox/{people['olive'].pk}/state/", {"state": "done"})
    assert names(alice_client.get("/inbox/?show=done")) == ["Olive Oyl"]
    assert "Olive Oyl" not in names(alice_client.get("/inbox/"))
    assert len(names(alice_client.get("/inbox/?show=all"))) == 3
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.DONE


@pytest.mark.parametrize(
    "query, found", [("jane", "Jane Roe"), ("555-0101", "Sam Poe"), ("poe.example", "Sam Poe")]
)
def test_search_by_name_phone_or_email(alice_client, people, query, found):
    assert names(alice_client.get("/inbox/", {"show": "all", "q": query})) == [found]


def test_a_search_that_finds_nothing_says_what_to_try(alice_client, people):
    html = alice_client.get("/inbox/", {"show": "done", "q": "jane"}).content.decode()
    assert "No conversation (done) matches “jane”" in html and "?show=all&amp;q=jane" in html


def test_a_search_that_finds_nothing_says_it_in_spanish_with_its_links(alice, alice_client, people):
    # One sentence with its links, so the tab's name and the word order are Spanish.
    alice.language = "es"
    alice.save()
    html = alice_client.get("/inbox/", {"show": "done", "q": "jane"}).content.decode()
    assert (
        "Ninguna conversación (terminado) coincide con «jane». "
        '<a href="?show=all&amp;q=jane">Buscar en todas las conversaciones</a> o '
        '<a href="/contacts/?q=jane">buscar contactos</a>.'
    ) in html


def test_rows_show_the_latest_messages_first_line_and_mark_attachments(alice_client, people):
    html = alice_client.get("/inbox/").content.decode()
    jane_row = html.split(f'data-contact="{people["jane"].pk}"', 1)[1].split("</li>", 1)[0]
    assert "Thanks!" in jane_row and "See the scan." not in jane_row  # the first line only
    assert 'data-attachments="1"' in jane_row and "1 attachment" in jane_row
    assert "Is there parking?" in html
    olive_row = html.split(f'data-contact="{people["olive"].pk}"', 1)[1].split("</li>", 1)[0]
    assert "Bob Stone:</span> Hello Olive" in olive_row


def test_each_preview_shown_is_audited_as_a_view(alice_client, alice, people):
    before = Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).count()
    alice_client.get("/inbox/")
    views = Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).order_by("id")[before:]
    assert sorted(view.contact.name for view in views) == ["Jane Roe", "Olive Oyl", "Sam Poe"]
    assert all(view.actor == alice and view.detail["via"] == "inbox preview" for view in views)
    assert all(view.message_id for view in views)
    # A preview is not reading: replies stay unread until the conversation is opened.
    assert Conversation.objects.get(contact=people["jane"]).unread_replies == 1


def test_assign_to_me_to_a_colleague_and_to_nobody(alice_client, alice, bob, people):
    sam = people["sam"]
    response = alice_client.post(
        f"/inbox/{sam.pk}/assign/", {"assignee": alice.pk, "next": "/inbox/?show=unassigned"}
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/?show=unassigned"
    conversation = Conversation.objects.get(contact=sam)
    assert conversation.assigned_to == alice
    alice_client.post(f"/inbox/{sam.pk}/assign/", {"assignee": bob.pk})
    conversation.refresh_from_db()
    assert conversation.assigned_to == bob
    alice_client.post(f"/inbox/{sam.pk}/assign/", {"assignee": ""})
    conversation.refresh_from_db()
    assert conversation.assigned_to is None
    events = Event.objects.filter(kind=EventKind.CONVERSATION_ASSIGNED, contact=sam)
    assert [event.detail["to"] for event in events.order_by("id")] == [
        "Alice Lee",
        "Bob Stone",
        "nobody",
    ]
    assert all(event.actor == alice for event in events)
    # The same assignment again changes nothing and records nothing.
    alice_client.post(f"/inbox/{sam.pk}/assign/", {"assignee": ""})
    assert events.count() == 3


def test_assigning_to_someone_outside_the_organization_or_inactive_is_refused(
    alice_client, org_a, mallory, people
):
    gone = User.objects.create_user(
        "gone@riverside.example", PASSWORD, organization=org_a, role=Role.MEMBER, is_active=False
    )
    sam = people["sam"]
    for stranger in (mallory, gone):
        response = alice_client.post(
            f"/inbox/{sam.pk}/assign/", {"assignee": stranger.pk}, follow=True
        )
        assert "Choose an active staff member of your organization." in response.content.decode()
    assert Conversation.objects.get(contact=sam).assigned_to is None
    assert alice_client.get(f"/inbox/{sam.pk}/assign/").status_code == 405


def test_a_reply_opens_a_done_conversation_again(alice_client, alice, people):
    jane = people["jane"]
    alice_client.post(f"/inbox/{jane.pk}/state/", {"state": "done"})
    conversation = Conversation.objects.get(contact=jane)
    assert conversation.state == ConversationState.DONE and conversation.state_changed_by == alice
    store_reply(jane, body="One more thing", sid="SM2", now=timezone.now())
    conversation.refresh_from_db()
    assert conversation.state == ConversationState.OPEN
    assert Event.objects.filter(kind=EventKind.CONVERSATION_DONE, actor=alice).exists()
    alice_client.post(f"/inbox/{jane.pk}/state/", {"state": "done"})
    alice_client.post(f"/inbox/{jane.pk}/state/", {"state": "open"})
    assert Event.objects.filter(kind=EventKind.CONVERSATION_REOPENED, actor=alice).exists()
    assert (
        "Choose Mark done or Reopen."
        in alice_client.post(
            f"/inbox/{jane.pk}/state/", {"state": "x"}, follow=True
        ).content.decode()
    )


def test_send_and_mark_done_from_the_conversation(alice_client, people):
    jane = people["jane"]
    response = alice_client.post(
        f"/inbox/{jane.pk}/", {"channel": "sms", "body": "See you Thursday.", "then": "done"}
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert Conversation.objects.get(contact=jane).state == ConversationState.DONE


def test_the_conversation_says_who_else_is_viewing_and_who_answered_last(
    client, alice, bob, people
):
    jane = people["jane"]
    note_viewer(Conversation.objects.get(contact=jane), bob)
    client.force_login(alice)
    html = client.get(f"/inbox/{jane.pk}/").content.decode()
    assert "Bob Stone</strong> is viewing this conversation now" in html
    assert "Last answered by you," in html
    # And the list says it too, to someone who hasn't opened it.
    client.force_login(bob)
    listed = client.get("/inbox/").content.decode()
    jane_row = listed.split(f'data-contact="{jane.pk}"', 1)[1].split("</li>", 1)[0]
    assert "Alice Lee is viewing it now" in jane_row
    assert "Last answered by Alice Lee" in jane_row


def test_viewers_who_left_are_not_shown(client, alice, bob, people):
    jane = people["jane"]
    with time_machine.travel(timezone.now() - dt.timedelta(minutes=5)):
        note_viewer(Conversation.objects.get(contact=jane), bob)
    client.force_login(alice)
    assert "is viewing" not in client.get(f"/inbox/{jane.pk}/").content.decode()


def test_the_presence_check_in_is_not_a_view_and_says_when_a_reply_arrived(
    alice_client, alice, people
):
    jane = people["jane"]
    alice_client.get(f"/inbox/{jane.pk}/")  # read: nothing unread now
    views = Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).count()
    store_reply(jane, body="Hello?", sid="SM3", now=timezone.now())
    html = alice_client.get(f"/inbox/{jane.pk}/presence/", HTTP_HX_REQUEST="true").content
    assert b"Jane Roe sent a new reply." in html and b"Hello?" not in html
    assert Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).count() == views
    assert Conversation.objects.get(contact=jane).viewers.get().user == alice


def test_automated_messages_are_labelled_and_claim_no_conversation(
    alice_client, org_a, alice, people
):
    from hushpost.appointments.models import AutoMessage
    from hushpost.appointments.schedule import send_due
    from tests.appointments.helpers import make_appointment

    AutoMessage.objects.create(
        organization=org_a,
        name="Booked",
        channel="sms",
        timing="booked",
        body="Hello from {{ user.name_and_company }}",
    )
    newcomer = contact(org_a, "Nia New", phone="+14155550109")
    make_appointment(
        org_a, newcomer, timezone.now() + dt.timedelta(days=3), staff=alice, title="Visit"
    )
    send_due(timezone.now() + dt.timedelta(seconds=1))
    conversation = conversation_for(newcomer)
    # Sent on Alice's behalf (her name in it), but not by her: nobody is assigned.
    assert conversation.assigned_to is None
    html = alice_client.get(f"/inbox/{newcomer.pk}/").content.decode()
    assert 'class="automated" data-sender>Automated · Booked</strong>' in html
    assert "Hello from Alice Lee at Riverside Clinic" in html
    page = alice_client.get(f"/contacts/{newcomer.pk}/").content.decode()
    assert "Automated · Booked: Text to •••-•••-0109 queued" in page
