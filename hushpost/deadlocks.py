"""Doing a transaction again when PostgreSQL aborts it as a deadlock.

Every event takes its organization's audit-chain lock (activity/chain.py), so a
transaction that also locks rows (a link, a contact) can meet another request's
locks in the other order; PostgreSQL then aborts one of them. Nothing of it was
kept, so the caller's outermost transaction can simply run again.
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
