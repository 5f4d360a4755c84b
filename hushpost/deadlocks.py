"""Doing a transaction again when PostgreSQL aborts it as a deadlock.

Every event takes its organization's audit-chain lock (activity/chain.py) and,
as it is inserted, a KEY SHARE lock on each row it names (the foreign-key check).
Rows locked before an event is recorded are therefore locked FOR NO KEY UPDATE
(`select_for_update(no_key=True)`), which those checks don't wait for: that
removed the cycles seen between PIN checks, first clicks and other events. A
transaction that records an event and then locks a row another chain-waiter
holds can still meet it in the other order; PostgreSQL then aborts one of them.
Nothing of it was kept, so the caller's outermost transaction can simply run
again.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import OperationalError

TRIES = 5


def retried_on_deadlock[T](work: Callable[[], T]) -> T:
    for attempt in range(TRIES):
        try:
            return work()
        except OperationalError as error:
            if "deadlock" not in str(error).lower() or attempt == TRIES - 1:
                raise
    raise AssertionError("not reached")
