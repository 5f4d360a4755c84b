"""/conversations/{contact_id}: every message between the organization and a
contact, oldest first."""

from __future__ import annotations

from uuid import UUID

from ninja import Router

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.api.auth import actor_label
from hushpost.api.contacts import find_contact
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.schemas import Conversation, Problem, ValidationProblem
from hushpost.messaging.conversations import thread

router = Router(tags=["conversations"])


def _message_out(message) -> dict:
    return {
        "id": message.id,
        "direction": message.direction,
        "body": message.body,
        "created_at": message.created_at,
        "attachments": [
            {"id": a.id, "file_name": a.file_name, "content_type": a.content_type, "size": a.size}
            for a in message.attachments.all()
        ],
    }


@router.get(
    "/conversations/{contact_id}",
    response={200: Conversation, 401: Problem, 404: Problem, 422: ValidationProblem},
    summary="Get a conversation",
    description=(
        "Messages both ways, oldest first. "
        "Reading content through the API is logged, as a staff view is."
    ),
)
def get_conversation(request, contact_id: UUID, limit: int = Limit(), offset: int = Offset()):
    contact = find_contact(request.org, contact_id)
    messages, count = page(thread(contact), limit, offset)
    # Logged but not marked read: an integration reading the thread is not a
    # person in the inbox, so the staff's unread marks stay.
    record(
        request.org,
        EventKind.STAFF_VIEWED_CONVERSATION,
        contact=contact,
        actor_label=actor_label(request),
    )
    return {"items": [_message_out(message) for message in messages], "count": count}
