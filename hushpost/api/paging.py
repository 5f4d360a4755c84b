"""Paging for every list: {"items": [...], "count": N}, by limit/offset or by cursor.

Offsets suit lists that hold still (contacts by name). Lists that grow or
reorder while a client reads them (events, conversations, deliveries) also
take an opaque `cursor`: the answer's `next_cursor` names the last item's
place in the list's order (keyset paging), so a new event arriving at the top
shifts nothing and no item is read twice or skipped. A cursor is signed and
bound to its list; it holds only that item's sort values and its id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from ninja import Query

from hushpost.api.problems import Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
# Far beyond any list, and inside every database's integer range (SQLite and
# PostgreSQL refuse OFFSETs past 64 bits with a server error, not an empty page).
MAX_OFFSET = 1_000_000_000
CURSOR_SALT = "hushpost.api.cursor"
BAD_CURSOR = "This cursor is not one this list gave out; start again without it."


def Limit():
    return Query(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"How many items, at most {MAX_LIMIT}."
    )


def Offset():
    return Query(
        0, ge=0, le=MAX_OFFSET, description=f"How many items to skip, at most {MAX_OFFSET:,}."
    )


def Cursor():
    return Query(
        None,
        max_length=500,
        description=(
            "`next_cursor` from the previous page: the page after it, unchanged by "
            "items added meanwhile. Not together with `offset`."
        ),
    )


def page(queryset: QuerySet, limit: int, offset: int) -> tuple[list, int]:
    """One page of the queryset and the total count, in the queryset's order."""
    return list(queryset[offset : offset + limit]), queryset.count()


@dataclass(frozen=True)
class Keyset:
    """A list's order for cursors: its name (cursors don't cross lists) and its fields,
    each "-field" for descending; the last must be unique (the id)."""

    name: str
    fields: tuple[str, ...]

    def order(self, queryset: QuerySet) -> QuerySet:
        return queryset.order_by(*self.fields)

    def cursor_for(self, item) -> str:
        values = []
        for field in self.fields:
            value = getattr(item, field.lstrip("-"))
            values.append(
                ["t", value.isoformat()] if isinstance(value, datetime) else ["v", str(value)]
            )
        return signing.dumps({"l": self.name, "v": values}, salt=CURSOR_SALT, compress=True)

    def after(self, cursor: str) -> Q:
        """Items after the one the cursor names, in this order."""
        try:
            data = signing.loads(cursor, salt=CURSOR_SALT)
            values = [datetime.fromisoformat(raw) if tag == "t" else raw for tag, raw in data["v"]]
        except (signing.BadSignature, ValueError, TypeError, KeyError):
            raise Invalid([("cursor", BAD_CURSOR)]) from None
        if data.get("l") != self.name or len(values) != len(self.fields):
            raise Invalid([("cursor", BAD_CURSOR)])
        after = Q(pk__in=[])
        for i, field in enumerate(self.fields):
            name = field.lstrip("-")
            step = Q(**{f"{name}__{'lt' if field.startswith('-') else 'gt'}": values[i]})
            for earlier, value in zip(self.fields[:i], values[:i], strict=False):
                step &= Q(**{earlier.lstrip("-"): value})
            after |= step
        return after


def cursor_page(
    queryset: QuerySet, keyset: Keyset, *, limit: int, offset: int, cursor: str | None
) -> tuple[list, int, str | None]:
    """(items, count of the whole list, next_cursor or None at the end)."""
    if cursor and offset:
        raise Invalid([("cursor", "Give a cursor or an offset, not both.")])
    count = queryset.count()
    ordered = keyset.order(queryset)
    if cursor:
        ordered = ordered.filter(keyset.after(cursor))
    items = list(ordered[offset : offset + limit + 1])
    more = len(items) > limit
    items = items[:limit]
    return items, count, keyset.cursor_for(items[-1]) if more else None
