"""limit/offset paging for every list: {"items": [...], "count": N}."""

from __future__ import annotations

from django.db.models import QuerySet
from ninja import Query

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far beyond any list, and inside every database's integer range (SQLite and
# PostgreSQL refuse OFFSETs past 64 bits with a server error, not an empty page).
MAX_OFFSET = 1_000_000_000


def Limit():
    return Query(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"How many items, at most {MAX_LIMIT}."
    )


def Offset():
    return Query(
        0, ge=0, le=MAX_OFFSET, description=f"How many items to skip, at most {MAX_OFFSET:,}."
    )


def page(queryset: QuerySet, limit: int, offset: int) -> tuple[list, int]:
    """One page of the queryset and the total count, in the queryset's order."""
    return list(queryset[offset : offset + limit]), queryset.count()
