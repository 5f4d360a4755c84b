"""/conversations: the inbox, one conversation with every message, staff replies,
marking read. Reading content is logged as a view by the key, as a staff view is."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router

from hushpost.accounts.models import User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.api.auth import actor_label
from hushpost.api.bodies import read_body, request_body
from hushpost.api.contacts import find_contact
from hushpost.api.messages import checked_pin, send
from hushpost.api.paging import Cursor, Keyset, Limit, Offset, cursor_page, page
from hushpost.api.problems import Invalid
from hushpost.api.schemas import (
    Conversation,
    ConversationList,
    ConversationSummary,
    MessageOut,
    Problem,
    ReplyCreate,
    ValidationProblem,
)
from hushpost.messaging.compose import MAX_ATTACHMENTS
from hushpost.messaging.conversations import inbox, mark_read, thread
from hushpost.messaging.models import Conversation as ConversationRow

router = Router(tags=["conversations"])

INBOX_ORDER = Keyset("conversations", ("-last_activity_at", "-id"))
UNASSIGNED = "none"


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


def _summary_out(conversation: ConversationRow, last_direction: str | None) -> dict:
    return {
        "contact_id": conversation.contact_id,
        "contact_name": conversation.contact.name,
        "unread": conversation.unread_replies,
        "last_message_at": conversation.last_activity_at if conversation.pk else None,
        "last_direction": last_direction,
        "assigned_to": conversation.assigned_to.email if conversation.assigned_to_id else None,
    }


def _assignee(organization, email: str) -> User | str | None:
    if not email:
        return ""
    if email.strip().lower() == UNASSIGNED:
        return None
    user = User.objects.filter(organization=organization, email__iexact=email.strip()).first()
    if user is None:
        raise Invalid(
            [("assigned_to", f"No staff member of this organization has the email {email}.")]
        )
    return user


@router.get(
    "/conversations",
    response={200: ConversationList, 401: Problem, 422: ValidationProblem},
    summary="List conversations (the inbox)",
    description="Newest activity first, as the staff inbox shows them.",
)
def list_conversations(
    request,
    unread: bool | None = Query(
        None, description="true: only those with unread replies; false: only those without."
    ),
    assigned_to: str = Query(
        "",
        max_length=254,
        description=f"Only those assigned to this staff email; `{UNASSIGNED}` for unassigned.",
    ),
    limit: int = Limit(),
    offset: int = Offset(),
    cursor: str | None = Cursor(),
):
    conversations = inbox(
        request.org, unread=unread, assigned_to=_assignee(request.org, assigned_to)
    )
    items, count, next_cursor = cursor_page(
        conversations, INBOX_ORDER, limit=limit, offset=offset, cursor=cursor
    )
    return {
        "items": [_summary_out(item, item.last_direction) for item in items],
        "count": count,
        "next_cursor": next_cursor,
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
    # person in the inbox, so the staff's unread marks stay (POST …/read marks them).
    record(
        request.org,
        EventKind.STAFF_VIEWED_CONVERSATION,
        contact=contact,
        actor_label=actor_label(request),
    )
    return {"items": [_message_out(message) for message in messages], "count": count}


@router.post(
    "/conversations/{contact_id}/messages",
    response={
        202: MessageOut,
        400: Problem,
        401: Problem,
        404: Problem,
        413: Problem,
        415: Problem,
        422: ValidationProblem,
    },
    summary="Reply in a conversation",
    description=(
        "A message to this contact with the rules of the staff reply and Compose: secure by "
        "default, held back (with the reason) when it can't go out safely."
    ),
    openapi_extra=request_body(
        ReplyCreate,
        "JSON, or multipart/form-data with the JSON in `payload` and up to "
        f"{MAX_ATTACHMENTS} files in `files`.",
    ),
)
def reply(request, contact_id: UUID):
    contact = find_contact(request.org, contact_id)
    payload, attachments = read_body(request, ReplyCreate)
    return send(
        request,
        contacts=[contact],
        channel=payload.channel,
        secure=payload.secure,
        body=payload.body,
        subject=payload.subject,
        pin=checked_pin(payload.pin, secure=payload.secure),
        attachments=attachments,
    )


@router.post(
    "/conversations/{contact_id}/read",
    response={200: ConversationSummary, 401: Problem, 404: Problem, 422: ValidationProblem},
    summary="Mark a conversation read",
    description=(
        "Its replies count as read, for the staff inbox too; logged as "
        "`staff_viewed_conversation` by the key."
    ),
)
def read(request, contact_id: UUID):
    contact = find_contact(request.org, contact_id)
    conversation = inbox(request.org).filter(contact=contact).first() or ConversationRow(
        organization=request.org, contact=contact
    )
    if conversation.pk is not None:
        mark_read(conversation, actor_label=actor_label(request))
    return _summary_out(conversation, getattr(conversation, "last_direction", None))
