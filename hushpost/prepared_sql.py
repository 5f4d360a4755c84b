"""Read queries whose SQL the ORM writes once per process, run with new values each time.

Django builds and compiles a queryset's SQL again every time it runs. For the few
short queries of a page read on every reload (the contact's thread) that cost
as much as running them and turning twenty rows into models (bench/portal.py).
Here the ORM still writes the SQL — the same filters, joins and order, for the
database in use — but once per process and database alias, with a placeholder
standing for each value that changes; every run puts the real values in
the placeholders' places and reads the rows through `Model.objects.raw`, which
makes model instances with the ORM's own converters. Only for queries whose
changing values are ids (UUIDs or integers) and whose columns are the model's own plus
annotations: `raw` fills no select_related.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from typing import Any

from django.db import router
from django.db.models import Model, QuerySet
from django.db.models.query import RawQuerySet


class PreparedQuery:
    """`build(**placeholders)` returns the queryset; `run(**values)` its rows for values."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet], **kinds: type):
        """`kinds`: each changing value's name and type, uuid.UUID or int."""
        self.model = model
        self.build = build
        self.names = tuple(kinds)
        self.kinds = kinds
        # alias -> (sql, params: a value kept as compiled, or (name, form) for a slot)
        self._compiled: dict[str, tuple[str, list[Any]]] = {}

    def run(self, **values: uuid.UUID | int) -> RawQuerySet:
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            # A race compiles twice and keeps one: the same SQL either way.
            compiled = self._compiled[alias] = self._compile(alias)
        sql, slots = compiled
        params = [_fill(slot, values) for slot in slots]
        return self.model._default_manager.db_manager(alias).raw(sql, params)

    def _compile(self, alias: str) -> tuple[str, list[Any]]:
        # Random, so no constant of the query (a LIMIT 1) is taken for one of them.
        placeholders = {
            name: uuid.uuid4() if kind is uuid.UUID else secrets.randbelow(2**62) + 2**40
            for name, kind in self.kinds.items()
        }
        query = self.build(**placeholders).query
        sql, params = query.get_compiler(using=alias).as_sql()
        slots: list[Any] = []
        seen = set()
        for param in params:
            slot = _slot(param, placeholders)
            if slot is not None:
                seen.add(slot[0])
            slots.append(slot if slot is not None else _Kept(param))
        if seen != set(self.names):
            # A value the SQL doesn't carry as a parameter would be silently fixed to
            # its placeholder: refuse instead.
            raise ValueError(f"{sorted(set(self.names) - seen)} not found among the parameters")
        return sql, slots


class _Kept:
    """A parameter that is the same on every run (a LIMIT, a constant)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


# How the database adapter was given a placeholder: a UUID as itself (PostgreSQL) or as
# text (SQLite: 32 hex digits), an integer as itself.
_FORMS: dict[str, Callable[[Any], Any]] = {
    "same": lambda value: value,
    "hex": lambda value: value.hex,
    "str": str,
}


def _slot(param: Any, placeholders: dict[str, Any]) -> tuple[str, str] | None:
    for name, placeholder in placeholders.items():
        for form, shape in _FORMS.items():
            if form != "same" and not isinstance(placeholder, uuid.UUID):
                continue
            shaped = shape(placeholder)
            if type(param) is type(shaped) and param == shaped:
                return name, form
    return None


def _fill(slot: Any, values: dict[str, Any]) -> Any:
    if isinstance(slot, _Kept):
        return slot.value
    name, form = slot
    value = values[name]
    if form == "same":
        return value
    return _FORMS[form](value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
