"""New rows written in one INSERT per batch, for the paths that write thousands at once.

Django's `bulk_create` spends about as long building its INSERT — per value a
resolve check, a pre-save and a conversion through the query compiler — as the
database spends running it. On the worker's and the scheduler's hot paths (an
event per delivery; a message, link, delivery and event per reminder) that
was a third of their time (docs/BENCHMARKS.md). `insert_rows` writes the same
statement by hand: the column list once, each value converted by its own field
exactly as Django does it (`pre_save`, `get_db_prep_save`), a generated key read
back with RETURNING, in batches the database takes (`bulk_batch_size`).

Only plain inserts of new rows go here: no conflict handling, no inherited
models, no value that is an expression. Anything else is `bulk_create`'s.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connections, router, transaction
from django.db.models import Model
from django.db.models.expressions import Expression
from django.db.models.fields import AutoFieldMixin


def insert_rows[M: Model](
    model: type[M], objs: Iterable[M], *, using: str | None = None
) -> list[M]:
    """Insert `objs`, new instances of `model`, and return them saved: their generated
    key set, marked as no longer being added — what `bulk_create` returns."""
    objs = list(objs)
    if not objs:
        return objs
    meta = model._meta
    if meta.parents:
        raise ValueError(f"{model.__name__} inherits from another model: use bulk_create")
    alias = using or router.db_for_write(model)
    connection = connections[alias]
    pk = meta.pk
    generated = pk if isinstance(pk, AutoFieldMixin) else None
    if generated is not None and any(obj.pk is not None for obj in objs):
        raise ValueError(f"{model.__name__} rows with their key set: use bulk_create")
    fields = [field for field in meta.concrete_fields if field is not generated]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in fields)}) VALUES "
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(generated.column)}" if generated is not None else ""
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            batch = objs[start : start + size]
            params: list[Any] = []
            for obj in batch:
                # As bulk_create: a related object saved since it was assigned gives its key.
                obj._prepare_related_fields_for_save(operation_name="insert")
                for field in fields:
                    value = field.pre_save(obj, True)
                    if isinstance(value, Expression):
                        raise ValueError(f"{model.__name__}.{field.name} is an expression")
                    params.append(field.get_db_prep_save(value, connection))
            cursor.execute(head + ", ".join([row] * len(batch)) + tail, params)
            if generated is not None:
                keys = cursor.fetchall()
                if len(keys) != len(batch):
                    raise RuntimeError(f"{len(batch)} rows inserted, {len(keys)} keys returned")
                for obj, (key,) in zip(batch, keys, strict=True):
                    setattr(obj, generated.attname, generated.to_python(key))
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
    return objs
