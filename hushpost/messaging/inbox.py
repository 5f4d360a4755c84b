"""The staff Inbox as a place to work: which conversations to show, who answers
each, whether it is handled, who else has it open, and the latest message's
first line.

Front-desk inboxes (Spruce, Weave, OhMD) share a model this follows: a
conversation is assigned to one person or to nobody, is open until someone
marks it done, and opens again when the contact writes. A preview shows
message content, so showing one is audited like opening the conversation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, models, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from hushpost.accounts.models import Organization, User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.conversations import inbox
from hushpost.messaging.models import (
    Conversation,
    ConversationState,
    ConversationViewer,
    Direction,
    Message,
    Origin,
)

# A conversation page checks in every 30 seconds while open; twice that
# without a check-in and the viewer has left.
VIEWING_WINDOW = timedelta(seconds=75)
PREVIEW_CHARS = 120
# Messages a person wrote, as opposed to automated ones.
ANSWER_ORIGINS = (Origin.INBOX, Origin.COMPOSE)


class Show(models.TextChoices):
    OPEN = "open", pgettext_lazy("staff", "Open")
    MINE = "mine", pgettext_lazy("staff", "Mine")
    UNASSIGNED = "unassigned", pgettext_lazy("staff", "Unassigned")
    UNREAD = "unread", pgettext_lazy("staff", "Unread")
    DONE = "done", pgettext_lazy("staff", "Done")
    ALL = "all", pgettext_lazy("staff", "All")


class InboxError(ValueError):
    """A change the Inbox refuses, with a sentence saying why."""


def conversations(
    organization: Organization, *, user: User, show: str = Show.OPEN, query: str = ""
) -> QuerySet[Conversation]:
    """The organization's conversations for one Inbox filter and search, latest first.

    Built on `conversations.inbox`, the API's list of conversations: mine and
    unassigned are its `assigned_to`, unread its `unread`; the Inbox adds the
    open/done state and the search.
    """
    by_show: dict[str, User | None] = {Show.MINE: user, Show.UNASSIGNED: None}
    assigned = by_show.get(show, "")
    found = inbox(organization, unread=True if show == Show.UNREAD else None, assigned_to=assigned)
    if show == Show.DONE:
        found = found.filter(state=ConversationState.DONE)
    elif show not in (Show.UNREAD, Show.ALL):
        found = found.filter(state=ConversationState.OPEN)
    if query.strip():
        found = found.filter(
            contact__in=Contact.objects.for_org(organization).search(query).values("pk")
        )
    return with_last_answer(found)


def with_last_answer(found: QuerySet[Conversation]) -> QuerySet[Conversation]:
    """Annotate who last answered by hand (`last_answered_by_id`) and when."""
    answers = Message.objects.filter(
        conversation=OuterRef("pk"),
        direction=Direction.OUTBOUND,
        origin__in=ANSWER_ORIGINS,
        author__isnull=False,
    ).order_by("-created_at", "-id")
    return found.annotate(
        last_answered_by_id=Subquery(answers.values("author_id")[:1]),
        last_answered_at=Subquery(answers.values("created_at")[:1]),
    )


def latest_messages(items: list[Conversation]) -> dict[int, Message]:
    """Each conversation's newest message, with its attachments, in two queries."""
    newest = Message.objects.filter(conversation=OuterRef("pk")).order_by("-created_at", "-id")
    ids = (
        Conversation.objects.filter(pk__in=[c.pk for c in items])
        .annotate(latest_id=Subquery(newest.values("id")[:1]))
        .values_list("pk", "latest_id")
    )
    wanted = {latest: pk for pk, latest in ids if latest}
    found = (
        Message.objects.filter(pk__in=wanted)
        .select_related("author", "contact")
        .prefetch_related("attachments")
    )
    return {wanted[message.pk]: message for message in found}


def first_line(message: Message) -> str:
    """The first line with words in it, shortened: what a list row can show."""
    for source in (message.body, message.subject):
        for line in (source or "").splitlines():
            if line.strip():
                text = " ".join(line.split())
                return text if len(text) <= PREVIEW_CHARS else text[: PREVIEW_CHARS - 1] + "…"
    return ""


def record_preview_views(organization: Organization, user: User, shown: dict[int, Message]) -> None:
    """A preview puts message content on screen: each one is a view of that
    conversation, as opening it is."""
    for message in shown.values():
        record(
            organization,
            EventKind.STAFF_VIEWED_CONVERSATION,
            contact=message.contact,
            message=message,
            actor=user,
            via="inbox preview",
        )


def assign(conversation: Conversation, assignee: User | None, *, actor: User) -> bool:
    """Give the conversation to a staff member of its organization, or to nobody.
    Returns whether anything changed."""
    if assignee is not None and (
        assignee.organization_id != conversation.organization_id or not assignee.is_active
    ):
        raise InboxError("Choose an active staff member of your organization.")
    if conversation.assigned_to_id == (assignee.pk if assignee else None):
        return False
    with transaction.atomic():
        conversation.assigned_to = assignee
        conversation.save(update_fields=["assigned_to"])
        record(
            conversation.organization,
            EventKind.CONVERSATION_ASSIGNED,
            contact=conversation.contact,
            actor=actor,
            to=assignee.display_name if assignee else "nobody",
            to_user=assignee.pk if assignee else None,
        )
    return True


def set_state(
    conversation: Conversation, state: str, *, actor: User, now: datetime | None = None
) -> bool:
    """Mark the conversation done, or open it again. Returns whether anything changed."""
    state = ConversationState(state)
    if conversation.state == state:
        return False
    now = now or timezone.now()
    with transaction.atomic():
        conversation.state = state
        conversation.state_changed_at = now
        conversation.state_changed_by = actor
        conversation.save(update_fields=["state", "state_changed_at", "state_changed_by"])
        record(
            conversation.organization,
            EventKind.CONVERSATION_DONE
            if state == ConversationState.DONE
            else EventKind.CONVERSATION_REOPENED,
            contact=conversation.contact,
            actor=actor,
        )
    return True


def note_viewer(conversation: Conversation, user: User, *, now: datetime | None = None) -> None:
    """`user` has the conversation open right now."""
    now = now or timezone.now()
    updated = ConversationViewer.objects.filter(conversation=conversation, user=user).update(
        seen_at=now
    )
    if not updated:
        try:
            with transaction.atomic():
                ConversationViewer.objects.create(conversation=conversation, user=user, seen_at=now)
        except IntegrityError:  # the same user's other tab got there first
            ConversationViewer.objects.filter(conversation=conversation, user=user).update(
                seen_at=now
            )


def other_viewers(
    conversation_ids: list[int], user: User, *, now: datetime | None = None
) -> dict[int, list[User]]:
    """Who else, by conversation, has each of these open now."""
    since = (now or timezone.now()) - VIEWING_WINDOW
    rows = (
        ConversationViewer.objects.filter(
            conversation_id__in=conversation_ids, seen_at__gte=since, user__is_active=True
        )
        .exclude(user=user)
        .select_related("user")
        .order_by("-seen_at")
    )
    found: dict[int, list[User]] = {}
    for row in rows:
        found.setdefault(row.conversation_id, []).append(row.user)
    return found


@dataclass(frozen=True)
class Presence:
    """What a staff member should know before answering: who else is here, who answered."""

    viewers: list[User]
    last_answered_by: User | None
    last_answered_at: datetime | None
    unread_replies: int


def presence(conversation: Conversation, user: User, *, now: datetime | None = None) -> Presence:
    answered = (
        Message.objects.filter(
            conversation=conversation,
            direction=Direction.OUTBOUND,
            origin__in=ANSWER_ORIGINS,
            author__isnull=False,
        )
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )
    unread = (
        Conversation.objects.filter(pk=conversation.pk)
        .values_list("unread_replies", flat=True)
        .first()
    )
    return Presence(
        viewers=other_viewers([conversation.pk], user, now=now).get(conversation.pk, []),
        last_answered_by=answered.author if answered else None,
        last_answered_at=answered.created_at if answered else None,
        unread_replies=unread or 0,
    )
