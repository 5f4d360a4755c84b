"""Data retention: delete conversations' content older than a period (docs/SECURITY.md).

What goes: messages and their attachments, the deliveries that carried them
(with their encrypted notification text), secure links created before the
cutoff (and the portal sessions they opened), deliveries and development
outbox copies older than the cutoff, and conversations and sends left empty.
What stays: contacts and the activity log, which holds no content; each
organization gets one `data_purged` event with the counts.

Work is done in batches, each its own transaction, so the service keeps
running and an interrupted purge continues where it stopped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from hushpost.accounts.models import Organization
from hushpost.activity.chain import head_of
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.delivery.models import Delivery, OutboxEntry
from hushpost.messaging.models import Attachment, Conversation, Direction, Message, SecureLink, Send

BATCH_SIZE = 500
KINDS = ("messages", "attachments", "deliveries", "links", "conversations")


@dataclass
class Purged:
    organization: Organization
    counts: Counter

    def summary(self) -> str:
        return ", ".join(f"{self.counts[kind]} {kind}" for kind in KINDS)


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=days)


def _batches(queryset, batch_size: int) -> Iterator[list]:
    # Deleting shrinks the set, so each batch is the first N of what is left.
    while True:
        pks = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not pks:
            return
        yield pks


def count_old(organization: Organization, cutoff: datetime) -> Counter:
    """What a purge would delete (for --dry-run)."""
    old_messages = Message.objects.filter(organization=organization, created_at__lt=cutoff)
    return Counter(
        messages=old_messages.count(),
        attachments=Attachment.objects.filter(message__in=old_messages).count(),
        deliveries=Delivery.objects.filter(organization=organization)
        .filter(Q(message__in=old_messages) | Q(created_at__lt=cutoff))
        .count(),
        links=SecureLink.objects.filter(organization=organization)
        .filter(Q(message__in=old_messages) | Q(created_at__lt=cutoff))
        .count(),
        conversations=_emptied(organization, cutoff).count(),
    )


def _emptied(organization: Organization, cutoff: datetime):
    # Conversations whose every message is old (or that have none) and that
    # are idle since the cutoff.
    return (
        Conversation.objects.filter(organization=organization, last_activity_at__lt=cutoff)
        .annotate(newer=Count("messages", filter=Q(messages__created_at__gte=cutoff)))
        .filter(newer=0)
    )


def purge_organization(
    organization: Organization, cutoff: datetime, *, batch_size: int = BATCH_SIZE
) -> Counter:
    counts: Counter = Counter()
    touched: set[int] = set()
    old_messages = Message.objects.filter(organization=organization, created_at__lt=cutoff)
    for pks in _batches(old_messages, batch_size):
        with transaction.atomic():
            touched.update(
                Message.objects.filter(pk__in=pks)
                .values_list("conversation_id", flat=True)
                .distinct()
            )
            counts["attachments"] += Attachment.objects.filter(message_id__in=pks).count()
            counts["deliveries"] += Delivery.objects.filter(message_id__in=pks).count()
            counts["links"] += (
                SecureLink.objects.filter(message_id__in=pks)
                .delete()[1]
                .get(SecureLink._meta.label, 0)
            )
            # Cascades to the attachments and the deliveries that carried them.
            counts["messages"] += (
                Message.objects.filter(pk__in=pks).delete()[1].get(Message._meta.label, 0)
            )
    for pks in _batches(
        SecureLink.objects.filter(organization=organization, created_at__lt=cutoff), batch_size
    ):
        with transaction.atomic():
            counts["links"] += (
                SecureLink.objects.filter(pk__in=pks).delete()[1].get(SecureLink._meta.label, 0)
            )
    for pks in _batches(
        Delivery.objects.filter(organization=organization, created_at__lt=cutoff), batch_size
    ):
        with transaction.atomic():
            counts["deliveries"] += (
                Delivery.objects.filter(pk__in=pks).delete()[1].get(Delivery._meta.label, 0)
            )
    Send.objects.filter(
        organization=organization, created_at__lt=cutoff, messages__isnull=True
    ).delete()
    with transaction.atomic():
        counts["conversations"] = (
            Conversation.objects.filter(pk__in=_emptied(organization, cutoff).values("pk"))
            .delete()[1]
            .get(Conversation._meta.label, 0)
        )
        for conversation in Conversation.objects.filter(pk__in=touched).select_for_update():
            unread = conversation.messages.filter(
                direction=Direction.INBOUND, read_at__isnull=True
            ).count()
            if unread != conversation.unread_replies:
                Conversation.objects.filter(pk=conversation.pk).update(unread_replies=unread)
    return counts


def _organizations_with_old_data(cutoff: datetime):
    ids: set[int] = set()
    for model, column in (
        (Message, "created_at"),
        (SecureLink, "created_at"),
        (Delivery, "created_at"),
        (Conversation, "last_activity_at"),
    ):
        old = model.objects.filter(**{f"{column}__lt": cutoff})
        ids.update(old.order_by().values_list("organization_id", flat=True).distinct())
    return Organization.objects.filter(pk__in=ids).order_by("pk")


def purge(
    days: int, *, dry_run: bool = False, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> list[Purged]:
    """Purge every organization's content older than `days`; one `data_purged`
    event per organization."""
    if days < 1:
        raise ValueError("The retention period is at least 1 day.")
    cutoff = cutoff_for(days, now)
    done = []
    for organization in _organizations_with_old_data(cutoff):
        if dry_run:
            counts = count_old(organization, cutoff)
        else:
            # The checkpoint: the audit chain as it stood when the purge began
            # clearing references (activity/chain.py; no event is deleted).
            chain_seq, chain_hash = head_of(organization.pk)
            counts = purge_organization(organization, cutoff, batch_size=batch_size)
            if any(counts.values()):
                record(
                    organization,
                    EventKind.DATA_PURGED,
                    actor_label="system",
                    older_than_days=days,
                    before=cutoff.isoformat(timespec="seconds"),
                    chain_seq=chain_seq,
                    chain_hash=chain_hash,
                    **{kind: counts[kind] for kind in KINDS},
                )
        if any(counts.values()):
            done.append(Purged(organization, counts))
    if not dry_run:
        # The development outbox's copies of what was "sent" (some have no organization).
        OutboxEntry.objects.filter(created_at__lt=cutoff).delete()
    return done


PURGE_LOCK = "hushpost:retention-purge-ran"


def purge_daily() -> int:
    """The scheduler's step: purge at most once a day, and only when
    HUSHPOST_RETENTION_DAYS is set."""
    days = settings.HUSHPOST_RETENTION_DAYS
    # cache.add is atomic in the shared cache: one scheduler runs it per day.
    if not days or not cache.add(PURGE_LOCK, True, timeout=24 * 60 * 60):
        return 0
    return sum(sum(p.counts.values()) for p in purge(days))
