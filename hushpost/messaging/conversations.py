"""A contact's conversation: the thread, replies coming in, staff reading them."""

from __future__ import annotations

import logging
import re
import uuid
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from hushpost.accounts.models import Role, User
from hushpost.accounts.staff_languages import by_language
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.models import (
    Attachment,
    Conversation,
    ConversationState,
    Direction,
    Message,
    Origin,
    SecureLink,
)
from hushpost.outgoing_email import OutgoingEmail
from hushpost.prepared_sql import PreparedQuery

logger = logging.getLogger(__name__)

MAX_REPLY_CHARS = 10_000
MAX_REPLY_ATTACHMENT_BYTES = 10 * 1024 * 1024
# A content type is what the sender's software said; anything odd is served as plain bytes.
CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$")


def conversation_for(contact: Contact) -> Conversation:
    conversation, _ = Conversation.objects.get_or_create(
        contact=contact, defaults={"organization_id": contact.organization_id}
    )
    return conversation


def thread(contact: Contact) -> QuerySet[Message]:
    """Every message between the organization and the contact, oldest first."""
    return (
        Message.objects.filter(contact=contact, organization_id=contact.organization_id)
        .select_related("author")
        .prefetch_related("attachments")
        .order_by("created_at", "id")
    )


def _shown_thread(*, contact, organization) -> QuerySet[Message]:
    """`thread` with only what the secure page reads, and whether each message has files."""
    has_files = Exists(Attachment.objects.filter(message=OuterRef("pk")))
    shown = thread(Contact(pk=contact, organization_id=organization))
    return shown.select_related(None).prefetch_related(None).annotate(has_files=has_files)


_SHOWN_THREAD = PreparedQuery(Message, _shown_thread, contact=uuid.UUID, organization=int)


def thread_to_show(contact: Contact) -> list[Message]:
    """The thread as the contact's secure page shows it: `thread` without the author
    (the page never names staff), each message's files as `files` (id, name, size).

    One query, and a second one for the files when there are any, whatever the
    thread's length. The files come as plain rows from one query rather than
    through prefetch_related, which cost more than everything else in reading a
    twenty-message thread; and never with their encrypted bytes. The thread's SQL
    is the ORM's, compiled once per process (hushpost/prepared_sql.py): building and
    compiling it again on every view cost as much as running it and reading the
    twenty messages.
    """
    annotated = _SHOWN_THREAD.run(contact=contact.pk, organization=contact.organization_id)
    files: dict = {message.pk: [] for message in annotated}
    # Most threads have no file at all: then no second query (a round trip on PostgreSQL).
    if any(message.has_files for message in annotated):
        rows = (
            Attachment.objects.filter(
                organization_id=contact.organization_id, message__contact_id=contact.pk
            )
            .order_by("created_at", "file_name")
            .values_list("message_id", "id", "file_name", "size")
        )
        for message_id, *item in rows:
            if message_id in files:
                files[message_id].append(tuple(item))
    messages: list[Message] = []
    for message in annotated:
        message.files = files[message.pk]
        messages.append(message)
    return messages


def inbox(
    organization, *, unread: bool | None = None, assigned_to: User | str | None = ""
) -> QuerySet[Conversation]:
    """The organization's conversations by latest activity, newest first, each with
    `last_direction` (of its latest message). `assigned_to`: a user, None for
    unassigned ones, "" for all."""
    last = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    conversations = (
        Conversation.objects.for_org(organization)
        .select_related("contact", "assigned_to")
        .annotate(last_direction=Subquery(last.values("direction")[:1]))
        .order_by("-last_activity_at", "-id")
    )
    if unread is True:
        conversations = conversations.filter(unread_replies__gt=0)
    elif unread is False:
        conversations = conversations.filter(unread_replies=0)
    if assigned_to is None:
        conversations = conversations.filter(assigned_to__isnull=True)
    elif assigned_to != "":
        conversations = conversations.filter(assigned_to=assigned_to)
    return conversations


def receive_reply(
    *,
    link: SecureLink,
    body: str,
    attachment: tuple[str, str, bytes] | None = None,
    now: datetime | None = None,
) -> Message:
    """Store a reply from the secure page, mark it unread, and tell the assigned staff."""
    now = now or timezone.now()
    contact = link.contact
    with transaction.atomic():
        conversation = conversation_for(contact)
        message = Message(
            organization_id=contact.organization_id,
            conversation=conversation,
            contact=contact,
            direction=Direction.INBOUND,
            origin=Origin.PORTAL,
            channel=link.channel,
            secure=True,
            created_at=now,
        )
        message.body = body
        message.save()
        if attachment is not None:
            Attachment.store(message, *attachment)
        file_reply(conversation, message, now=now, link=link, attachment=attachment is not None)
    return message


def file_reply(
    conversation: Conversation,
    message: Message,
    *,
    now: datetime,
    link: SecureLink | None = None,
    **detail,
) -> None:
    """A stored inbound message counts as unread, is logged, and the staff are told once it commits.

    Shared by replies on the secure page and text replies (hushpost.messaging.inbound).
    A conversation marked done opens again: the contact is waiting for an answer.
    """
    Conversation.objects.filter(pk=conversation.pk).update(
        unread_replies=F("unread_replies") + 1,
        last_activity_at=now,
        state=ConversationState.OPEN,
    )
    record(
        conversation.organization,
        EventKind.REPLY_RECEIVED,
        contact=message.contact,
        message=message,
        link=link,
        actor_label="contact",
        **detail,
    )
    transaction.on_commit(lambda: notify_staff_of_reply(conversation.pk))


def reply_recipients(conversation: Conversation) -> list[str]:
    if conversation.assigned_to and conversation.assigned_to.is_active:
        return [conversation.assigned_to.email]
    admins = User.objects.filter(
        organization_id=conversation.organization_id,
        is_active=True,
        role__in=[Role.OWNER, Role.ADMIN],
    )
    return list(admins.values_list("email", flat=True))


def notify_staff_of_reply(conversation_id: int) -> None:
    """An email that a reply arrived. It names no one and quotes nothing: it is a pointer."""
    conversation = Conversation.objects.select_related("assigned_to", "organization").get(
        pk=conversation_id
    )
    recipients = reply_recipients(conversation)
    if not recipients:
        return
    url = settings.BASE_URL + reverse("web:conversation", args=[conversation.contact_id])
    try:
        for language, group in by_language(recipients).items():
            with translation.override(language):
                text = pgettext(
                    "staff", "A contact replied to a secure conversation of %(organization)s."
                ) % {"organization": conversation.organization.name}
                read = pgettext("staff", "Read it in Hushpost:")
                OutgoingEmail(
                    subject=pgettext("staff", "New secure reply in Hushpost"),
                    body=f"{text}\n\n{read} {url}\n",
                    to=group,
                ).send()
    except Exception:
        # The reply is stored and shows in the inbox either way; a mail server
        # that is down must not turn the contact's reply into an error page.
        logger.exception("could not email staff about a reply in conversation %s", conversation_id)


def mark_read(
    conversation: Conversation,
    *,
    user: User | None = None,
    actor_label: str = "",
    now: datetime | None = None,
) -> int:
    """A staff member (or an API key, by `actor_label`) read the conversation: replies
    are read, and the view is logged. Returns how many replies were unread."""
    now = now or timezone.now()
    with transaction.atomic():
        marked = Message.objects.filter(
            conversation=conversation, direction=Direction.INBOUND, read_at__isnull=True
        ).update(read_at=now)
        Conversation.objects.filter(pk=conversation.pk).update(unread_replies=0)
        conversation.unread_replies = 0
        record(
            conversation.organization,
            EventKind.STAFF_VIEWED_CONVERSATION,
            contact=conversation.contact,
            actor=user,
            actor_label=actor_label,
        )
    return marked


def open_attachment(
    organization, attachment_id, *, user: User | None = None, actor_label: str = ""
) -> Attachment | None:
    """The organization's attachment (None for any other id), its download logged: a file
    leaving the server is conversation content leaving the screen, audited like a view."""
    item = (
        Attachment.objects.filter(organization=organization, pk=attachment_id)
        .select_related("message__contact")
        .first()
    )
    if item is None:
        return None
    record(
        organization,
        EventKind.STAFF_VIEWED_CONVERSATION,
        contact=item.message.contact,
        message=item.message,
        actor=user,
        actor_label=actor_label,
        attachment=item.pk,
    )
    return item


def served_content_type(item: Attachment) -> str:
    return (
        item.content_type
        if CONTENT_TYPE.match(item.content_type or "")
        else "application/octet-stream"
    )
