"""Wrong PINs and locked links, counted from the events that record them."""

from __future__ import annotations

from functools import partial

from django.db import transaction

from hushpost.activity.models import EventKind
from hushpost.metrics.counters import LINKS_LOCKED, PIN_FAILURES

COUNTERS = {EventKind.PIN_WRONG: PIN_FAILURES, EventKind.LINK_LOCKED: LINKS_LOCKED}


def count_event(sender, instance, created, **kwargs) -> None:
    counter = COUNTERS.get(instance.kind)
    if created and counter is not None:
        # Only what was committed: a rolled-back wrong PIN never happened.
        transaction.on_commit(partial(counter.inc))
