"""Read queries whose SQL the ORM writes once per process, run with new values each time.

Django builds and compiles a queryset's SQL again every time it runs. For the few
short queries read on every reload of the contact's page (the portal session, the
thread) that cost as much as running them and turning the rows into models
(bench/portal.py). Here the ORM still writes the SQL — the same filters, joins
and order, for the database in use — but once per process and database alias,
with a placeholder standing for each value that changes. Every run puts the
real values in the placeholders' places and reads the rows through the ORM's
own model iterable, with the compiler's state kept from that first compile
(which columns are which model's, their converters): the instances come out as
the queryset itself would make them, select_related and annotations included.
Only for queries whose changing values are ids (UUIDs or integers) or strings.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler

# What a compiler knows after writing the SQL, and what reading the rows needs of it.
_STATE = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")


class PreparedQuery:
    """`build(**placeholders)` returns the queryset; `run(**values)` its rows for values."""

    def __init__(self, model: type[Model], build: Callable[..., QuerySet], **kinds: type):
        """`kinds`: each changing value's name and type, uuid.UUID, int or str."""
        self.model = model
        self.build = build
        self.names = tuple(kinds)
        self.kinds = kinds
        self._compiled: dict[str, _Compiled] = {}

    def run(self, **values: uuid.UUID | int | str) -> list[Any]:
        alias = router.db_for_read(self.model)
        compiled = self._compiled.get(alias)
        if compiled is None:
            # A race compiles twice and keeps one: the same SQL either way.
            compiled = self._compiled[alias] = self._compile(alias)
        params = [_fill(slot, values) for slot in compiled.slots]
        filled = _Filled(compiled, params)
        return list(QuerySet(model=self.model, query=filled, using=alias))  # type: ignore[arg-type]

    def _compile(self, alias: str) -> _Compiled:
        # Random, so no constant of the query (a LIMIT 1) is taken for one of them.
        placeholders = {name: _placeholder(kind) for name, kind in self.kinds.items()}
        query = self.build(**placeholders).query
        compiler = query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
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
        state = {name: getattr(compiler, name) for name in _STATE}
        return _Compiled(query=query, sql=sql, slots=slots, state=state)


@dataclass(frozen=True)
class _Compiled:
    query: Query
    sql: str
    slots: list[Any]
    # Read only once set: every run's compiler shares it, in any thread.
    state: dict[str, Any]


class _Filled:
    """Stands in for a queryset's Query: its compiler gives the SQL compiled once and
    this run's parameters, and already knows the columns it will read."""

    def __init__(self, compiled: _Compiled, params: list[Any]):
        self.compiled = compiled
        self.params = params

    def get_compiler(self, using: str | None = None, connection=None, elide_empty: bool = True):
        connection = connection or connections[using or "default"]
        ready = _ready_compiler(connection.ops.compiler("SQLCompiler"))
        compiler = ready(self.compiled.query, connection, using, elide_empty)
        compiler.__dict__.update(self.compiled.state, prepared=(self.compiled.sql, self.params))
        return compiler


@cache
def _ready_compiler(base: type[SQLCompiler]) -> type[SQLCompiler]:
    """The database's own compiler, answering as_sql with what it was handed."""

    class Ready(base):  # type: ignore[valid-type,misc]
        prepared: tuple[str, list[Any]]

        def as_sql(self, *args: Any, **kwargs: Any) -> tuple[str, tuple[Any, ...]]:
            sql, params = self.prepared
            return sql, tuple(params)

    return Ready


def _placeholder(kind: type) -> Any:
    if kind is uuid.UUID:
        return uuid.uuid4()
    if kind is int:
        return secrets.randbelow(2**62) + 2**40
    if kind is str:
        return secrets.token_hex(16)
    raise TypeError(f"{kind!r}: a prepared value is a UUID, an int or a str")


class _Kept:
    """A parameter that is the same on every run (a LIMIT, a constant)."""

    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


# How the database adapter was given a placeholder: a UUID as itself (PostgreSQL) or as
# text (SQLite: 32 hex digits), an integer or a string as itself.
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
