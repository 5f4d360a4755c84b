"""R12: read receipts. When the contact first has a message on screen, and
"Notify me when viewed" for the staff member who sent it.

Only the contact's portal page marks a message viewed — it needs a session,
and a session needs a post of the PIN form (link_visits.py), so a scanner never
does. The notice names no contact and quotes nothing: like the reply notice
(conversations.notify_staff_of_reply) it is a pointer into Hushpost.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from hushpost.messaging.models import Direction, LinkVisit, Message, SecureLink, VisitOutcome
from hushpost.outgoing_email import OutgoingEmail

logger = logging.getLogger(__name__)


def note_viewed(messages: Iterable[Message], now: datetime | None = None) -> int:
    """Mark the outbound messages the contact now sees as viewed, once each; returns how many."""
    now = now or timezone.now()
    marked = 0
    for message in messages:
        if message.direction != Direction.OUTBOUND or message.first_viewed_at is not None:
            continue
        # Conditional, so two tabs opened at once mark (and notify) once.
        if Message.objects.filter(pk=message.pk, first_viewed_at=None).update(first_viewed_at=now):
            marked += 1
            message.first_viewed_at = now
            if message.notify_when_viewed and message.author_id:
                transaction.on_commit(partial(notify_author, message.pk))
    return marked


def notify_author(message_id) -> None:
    message = Message.objects.select_related("author", "organization").get(pk=message_id)
    author = message.author
    if author is None or not author.is_active:
        return
    url = settings.BASE_URL + reverse("web:conversation", args=[message.contact_id])
    try:
        with translation.override(author.language or "en"):
            text = pgettext(
                "staff", "A secure message you sent from %(organization)s has just been viewed."
            ) % {"organization": message.organization.name}
            see = pgettext("staff", "See the conversation in Hushpost:")
            OutgoingEmail(
                subject=pgettext("staff", "Your secure message was viewed"),
                body=f"{text}\n\n{see} {url}\n",
                to=[author.email],
            ).send()
    except Exception:
        # The receipt is on the conversation page either way.
        logger.exception("could not email the read receipt of message %s", message_id)


@dataclass(frozen=True)
class Opening:
    """What staff see beside a secure message: viewed, opened by a person, or only fetched."""

    viewed_at: datetime | None = None
    opened_at: datetime | None = None  # by a person (link_visits.confirm_person)
    prefetched: bool = False  # a scanner or preview fetched the link


def openings(messages: Iterable[Message]) -> dict[object, Opening]:
    outbound = [m for m in messages if m.direction == Direction.OUTBOUND and m.secure]
    links = SecureLink.objects.filter(message__in=outbound).values_list(
        "message_id", "first_clicked_at", "id"
    )
    opened: dict[object, datetime] = {}
    link_owner: dict[object, object] = {}
    for message_id, clicked_at, link_id in links:
        link_owner[link_id] = message_id
        if clicked_at and (message_id not in opened or clicked_at < opened[message_id]):
            opened[message_id] = clicked_at
    fetched = set(
        LinkVisit.objects.filter(
            link_id__in=list(link_owner), outcome=VisitOutcome.PREFETCH
        ).values_list("link_id", flat=True)
    )
    prefetched = {link_owner[link_id] for link_id in fetched}
    return {
        m.pk: Opening(m.first_viewed_at, opened.get(m.pk), m.pk in prefetched) for m in outbound
    }
