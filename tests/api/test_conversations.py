import datetime as dt

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.conversations import conversation_for
from hushpost.messaging.models import Attachment, Conversation, Direction, Message, Origin
from tests.api.helpers import assert_problem

pytestmark = pytest.mark.django_db


def add_message(contact, direction, body, minutes_ago, attachment=None):
    message = Message(
        organization_id=contact.organization_id,
        conversation=conversation_for(contact),
        contact=contact,
        direction=direction,
        origin=Origin.API if direction == Direction.OUTBOUND else Origin.PORTAL,
        channel="sms",
        secure=True,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )
    message.body = body
    message.save()
    if attachment:
        item = Attachment(
            organization_id=contact.organization_id,
            message=message,
            file_name=attachment,
            content_type="application/pdf",
            size=4,
        )
        item.data = b"%PDF"
        item.save()
    return message


def test_it_lists_both_directions_oldest_first_with_attachments(api, org_a, dana):
    # Saved out of order: the answer is ordered by time, not by insertion.
    reply = add_message(dana, Direction.INBOUND, "Thanks, attached.", 5, attachment="form.pdf")
    first = add_message(dana, Direction.OUTBOUND, "Please fill in the form.", 30)
    last = add_message(dana, Direction.OUTBOUND, "Got it.", 1)
    response = api.get(f"conversations/{dana.pk}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == 3
    assert [(m["id"], m["direction"], m["body"]) for m in body["items"]] == [
        (str(first.id), "outbound", "Please fill in the form."),
        (str(reply.id), "inbound", "Thanks, attached."),
        (str(last.id), "outbound", "Got it."),
    ]
    attachment = body["items"][1]["attachments"][0]
    assert attachment == {
        "id": attachment["id"],
        "file_name": "form.pdf",
        "content_type": "application/pdf",
        "size": 4,
    }
    assert body["items"][0]["created_at"] < body["items"][1]["created_at"]


def test_it_pages_and_logs_the_read_without_marking_replies_read(api, org_a, dana):
    for minutes in (3, 2, 1):
        add_message(dana, Direction.INBOUND, f"reply {minutes}", minutes)
    Conversation.objects.filter(contact=dana).update(unread_replies=3)
    body = api.get(f"conversations/{dana.pk}", {"limit": 1, "offset": 1}).json()
    assert body["count"] == 3 and [m["body"] for m in body["items"]] == ["reply 2"]
    assert Conversation.objects.get(contact=dana).unread_replies == 3
    event = Event.objects.for_org(org_a).get(kind=EventKind.STAFF_VIEWED_CONVERSATION)
    assert event.contact == dana and event.actor_label == "api: Booking system"


def test_a_contact_without_messages_has_an_empty_conversation(api, dana):
    assert api.get(f"conversations/{dana.pk}").json() == {"items": [], "count": 0}


def test_another_organizations_conversation_is_404(api, hidden):
    add_message(hidden, Direction.OUTBOUND, "Privileged", 1)
    body = assert_problem(api.get(f"conversations/{hidden.pk}"), 404)
    assert "Privileged" not in str(body)
    assert not Event.objects.filter(kind=EventKind.STAFF_VIEWED_CONVERSATION).exists()
