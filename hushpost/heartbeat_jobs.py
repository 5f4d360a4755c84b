"""Long background jobs one worker runs at a time, claimed with a heartbeat.

An import run and a send's fan-out are each a row whose state field says
queued or running and whose `heartbeat_at` the running worker refreshes. A
worker takes the row by writing a fresh heartbeat (that value is its token:
later chunks check it, so a worker taken over stops without writing); a
running row whose heartbeat is older than `stale_after` belongs to a dead
worker and may be taken again, and the scheduler queues such rows (and rows
whose task was lost) again.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class HeartbeatJobs:
    model: type[models.Model]
    state: str  # the name of the state field
    queued: str
    running: str
    enqueue: Callable[[Any], None]  # queues the job's task for the row's pk
    stale_after: datetime.timedelta = datetime.timedelta(minutes=2)

    def _stale(self, now: datetime.datetime) -> Q:
        return Q(heartbeat_at__lt=now - self.stale_after) | Q(heartbeat_at__isnull=True)

    def claim(self, pk, now: datetime.datetime | None = None) -> datetime.datetime | None:
        """Take the row for this worker; the heartbeat written is the token later steps check."""
        now = now or timezone.now()
        claimable = Q(**{self.state: self.queued}) | (
            self._stale(now) & Q(**{self.state: self.running})
        )
        taken = self.model._default_manager.filter(claimable, pk=pk).update(
            **{self.state: self.running, "heartbeat_at": now}
        )
        return now if taken else None

    def resume_stale(self, now: datetime.datetime | None = None) -> int:
        """Queue again the rows whose task was lost or whose worker died; how many were."""
        now = now or timezone.now()
        stale = self.model._default_manager.filter(
            self._stale(now), **{f"{self.state}__in": [self.queued, self.running]}
        ).values_list("pk", self.state, "heartbeat_at")
        resumed = 0
        for pk, state, heartbeat in stale:
            with transaction.atomic():
                # Conditional, so two schedulers don't both queue it; the fresh
                # heartbeat also makes a presumed-dead worker stop at its next step.
                taken = self.model._default_manager.filter(
                    pk=pk, heartbeat_at=heartbeat, **{self.state: state}
                ).update(**{self.state: self.queued, "heartbeat_at": now})
                if taken:
                    transaction.on_commit(partial(self.enqueue, pk))
                    resumed += 1
        return resumed
