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
from django.db.models import ForeignKey, Model
from django.db.models.expressions import Expression
from django.db.models.fields import AutoFieldMixin, Field


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
    columns = [(field, type(field).pre_save is Field.pre_save) for field in fields]
    relations = [field for field in fields if isinstance(field, ForeignKey)]
    quote = connection.ops.quote_name
    head = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(str(field.column)) for field in fields)}) VALUES "
    )
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    tail = f" RETURNING {quote(str(generated.column))}" if generated is not None else ""
    size = max(1, connection.ops.bulk_batch_size(fields, objs))
    # Every value converted before the first statement: a row that can't be written
    # is refused with nothing sent, and the caller's transaction still usable.
    batches: list[tuple[list[M], list[Any]]] = []
    for start in range(0, len(objs), size):
        batch = objs[start : start + size]
        params: list[Any] = []
        for obj in batch:
            _take_related_keys(obj, relations)
            for field, plain in columns:
                # A plain field's pre_save is only reading the attribute.
                value = obj.__dict__[field.attname] if plain else field.pre_save(obj, True)
                if isinstance(value, Expression):
                    raise ValueError(f"{model.__name__}.{field.name} is an expression")
                params.append(field.get_db_prep_save(value, connection))
        batches.append((batch, params))
    with transaction.atomic(using=alias, savepoint=False), connection.cursor() as cursor:
        for batch, params in batches:
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


def _take_related_keys(obj: Model, relations: list[ForeignKey]) -> None:
    """As bulk_create does: a related object saved after it was assigned (its key made
    by an earlier insert) gives its key now; one never saved is refused."""
    for field in relations:
        if obj.__dict__[field.attname] is not None or not field.is_cached(obj):
            continue
        related = field.get_cached_value(obj)
        if related is None:
            continue
        if related.pk is None:
            raise ValueError(f"{type(obj).__name__}.{field.name} is an unsaved object")
        setattr(obj, field.attname, getattr(related, field.target_field.attname))
