"""Finished webhook messages don't pile up: the scheduler drops them after KEEP.

Their attempts go with them (cascade). What waits or is being sent is never
touched, however old.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from hushpost.webhooks.models import MessageStatus, WebhookMessage

KEEP = datetime.timedelta(days=30)
BATCH = 1000


def drop_finished_messages(now: datetime.datetime | None = None) -> int:
    """Delete up to BATCH messages that succeeded or gave up more than KEEP ago."""
    now = now or timezone.now()
    ids = list(
        WebhookMessage.objects.filter(
            status__in=(MessageStatus.SUCCEEDED, MessageStatus.FAILED),
            updated_at__lt=now - KEEP,
        ).values_list("pk", flat=True)[:BATCH]
    )
    if not ids:
        return 0
    WebhookMessage.objects.filter(pk__in=ids).delete()
    return len(ids)
