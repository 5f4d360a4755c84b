"""Every change of a delivery's status, in one place.

A status changes only by a named `Move`, and `TRANSITIONS` says, as data,
which statuses each move starts from, where it ends and which events it
records. `apply` writes a move with one conditional UPDATE — only a row still
in one of the move's source statuses, and matching the caller's fence (the
attempt its claim is for, the lease it saw, the error it read), changes — and
in the same transaction appends the attempt-log row and records the events.
The table is the send queue itself: a move into `queued` makes the row
due at its `next_attempt_at`, and workers take due rows with `claim_due`
(there is no task row to enqueue, lose or find again). A lease exists only
while a delivery is `sending`.

Nothing else writes `Delivery.status`: tests/delivery/test_lifecycle.py reads
the source of every other module to prove it, and walks this table.

The primitive, `_update`, takes any filter, so settling or claiming many
deliveries in one statement is the same move applied to a set of rows: the
worker's batches (`claim_due`, `apply_many`) are that, with the rows locked
first so the events go to exactly the rows that moved.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connections, models, router, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import pgettext_lazy
from django_tasks_db.utils import exclusive_transaction

from hushpost.activity.log import record, record_many
from hushpost.activity.models import EventKind
from hushpost.bulk_insert import insert_rows
from hushpost.delivery.models import Delivery, DeliveryStatus, Provider
from hushpost.log_context import request_id

# How long a claim lasts. It must outlast one provider call with all its
# timeouts (Twilio 15 s, SMTP a few round trips of SMTP_TIMEOUT_SECONDS);
# past it the sweep presumes the worker died.
LEASE = datetime.timedelta(minutes=5)


class Move(models.TextChoices):
    QUEUE = "queue", "Queued to send"
    HOLD = "hold", "Held back before it was queued"
    CLAIM = "claim", "Claimed by a worker"
    HOLD_AT_CLAIM = "hold_at_claim", "Held back by the worker that claimed it"
    HOLD_FOR_REVOKED_LINK = "hold_for_revoked_link", "Held back: its link was revoked"
    ACCEPT = "accept", "Accepted by the provider"
    RETRY_LATER = "retry_later", "Queued again after a temporary failure"
    FAIL = "fail", "Failed"
    LAPSE = "lapse", "Failed as ambiguous: its worker stopped while sending"
    STAFF_RETRY = "staff_retry", "Queued again by staff"
    RECONCILED_SENT = "reconciled_sent", "Found in Twilio's log"
    RECONCILED_DELIVERED = "reconciled_delivered", "Found in Twilio's log, delivered"
    RECONCILED_FAILED = "reconciled_failed", "Found in Twilio's log, failed"
    RECONCILED_NOT_FOUND = "reconciled_not_found", "Not in Twilio's log: queued again"
    CALLBACK_SENT = "callback_sent", "Twilio reported it sent"
    CALLBACK_DELIVERED = "callback_delivered", "Twilio reported it delivered"
    CALLBACK_FAILED = "callback_failed", "Twilio reported it failed"
    EMAIL_DELIVERED = "email_delivered", "The email service reported it delivered"
    EMAIL_FAILED = "email_failed", "The email service could not send it"
    EMAIL_BOUNCED = "email_bounced", "The email bounced"


@dataclass(frozen=True)
class Transition:
    sources: frozenset[DeliveryStatus]  # empty: the move creates the row
    target: DeliveryStatus
    events: tuple[EventKind, ...] = ()


S = DeliveryStatus
NEW: frozenset[DeliveryStatus] = frozenset()
# A provider's report only moves a delivery forward: never back from a final
# status, so a late or repeated callback changes nothing.
BEFORE_SENT = frozenset({S.QUEUED, S.SENDING})
BEFORE_FINAL = frozenset({S.QUEUED, S.SENDING, S.SENT})

TRANSITIONS: dict[Move, Transition] = {
    Move.QUEUE: Transition(NEW, S.QUEUED, (EventKind.QUEUED,)),
    Move.HOLD: Transition(NEW, S.HELD, (EventKind.HELD,)),
    Move.CLAIM: Transition(frozenset({S.QUEUED}), S.SENDING),
    Move.HOLD_AT_CLAIM: Transition(frozenset({S.SENDING}), S.HELD, (EventKind.HELD,)),
    Move.HOLD_FOR_REVOKED_LINK: Transition(frozenset({S.QUEUED}), S.HELD, (EventKind.HELD,)),
    # Also over the sweep's "ambiguous" verdict on the same attempt: the
    # provider has just said it took it.
    Move.ACCEPT: Transition(frozenset({S.SENDING, S.FAILED}), S.SENT, (EventKind.SENT,)),
    Move.RETRY_LATER: Transition(frozenset({S.SENDING}), S.QUEUED),
    Move.FAIL: Transition(frozenset({S.SENDING}), S.FAILED, (EventKind.FAILED,)),
    Move.LAPSE: Transition(frozenset({S.SENDING}), S.FAILED, (EventKind.FAILED,)),
    Move.STAFF_RETRY: Transition(frozenset({S.FAILED}), S.QUEUED, (EventKind.QUEUED,)),
    Move.RECONCILED_SENT: Transition(
        frozenset({S.FAILED}), S.SENT, (EventKind.DELIVERY_RECONCILED,)
    ),
    Move.RECONCILED_DELIVERED: Transition(
        frozenset({S.FAILED}), S.DELIVERED, (EventKind.DELIVERY_RECONCILED,)
    ),
    Move.RECONCILED_FAILED: Transition(
        frozenset({S.FAILED}), S.FAILED, (EventKind.DELIVERY_RECONCILED,)
    ),
    Move.RECONCILED_NOT_FOUND: Transition(
        frozenset({S.FAILED}), S.QUEUED, (EventKind.DELIVERY_RECONCILED,)
    ),
    Move.CALLBACK_SENT: Transition(BEFORE_SENT, S.SENT, (EventKind.SENT,)),
    Move.CALLBACK_DELIVERED: Transition(BEFORE_FINAL, S.DELIVERED, (EventKind.DELIVERED,)),
    Move.CALLBACK_FAILED: Transition(BEFORE_FINAL, S.FAILED, (EventKind.FAILED,)),
    Move.EMAIL_DELIVERED: Transition(BEFORE_FINAL, S.DELIVERED, (EventKind.DELIVERED,)),
    # A bounce can follow "delivered" (the receiving server took it, then sent
    # it back), so for email a failure also moves a delivered one.
    Move.EMAIL_FAILED: Transition(BEFORE_FINAL | {S.DELIVERED}, S.FAILED, (EventKind.FAILED,)),
    Move.EMAIL_BOUNCED: Transition(
        BEFORE_FINAL | {S.DELIVERED}, S.FAILED, (EventKind.EMAIL_BOUNCED,)
    ),
}


# The development outbox is nobody's inbox: what it took is only ever "sent"
# there (no provider reports on it), and staff pages and the API say where.
OUTBOX_SENT = pgettext_lazy("staff", "Sent to the outbox")


def status_label(status: str, provider: str) -> str:
    """What staff and the API read for a delivery's status."""
    if status == DeliveryStatus.SENT and provider == Provider.OUTBOX:
        return str(OUTBOX_SENT)
    # In the reader's language (the staff's; the API's is English), as a plain str.
    return str(DeliveryStatus(status).label)


def insert(
    delivery: Delivery,
    move: Move,
    *,
    actor_label: str = "system",
    detail: dict[str, Any] | None = None,
) -> Delivery:
    """Save a new delivery in the move's status, with its event. When a concurrent
    request won the insert with the same idempotency key, that row comes back instead
    (and nothing is recorded twice)."""
    transition = TRANSITIONS[move]
    if transition.sources:
        raise ValueError(f"{move} changes an existing delivery; use apply()")
    delivery.status = transition.target
    _stamp_request(delivery)
    with transaction.atomic():
        try:
            with transaction.atomic():
                delivery.save(force_insert=True)
        except IntegrityError:
            return Delivery.objects.get(idempotency_key=delivery.idempotency_key)
        _after(delivery, transition, actor=None, actor_label=actor_label, detail=detail or {})
    return delivery


def insert_many(
    items: list[tuple[Delivery, Move, dict[str, Any]]], *, actor_label: str = "system"
) -> list[Delivery]:
    """`insert` for many new deliveries, each with its creating move and event detail: the
    rows in one INSERT (queued in the order given), their events in another. The
    idempotency keys must be new (a clash raises and rolls the whole call back), so
    nothing is recorded twice."""
    entries: list[dict[str, Any]] = []
    for delivery, move, detail in items:
        transition = TRANSITIONS[move]
        if transition.sources:
            raise ValueError(f"{move} changes an existing delivery; use apply_many()")
        delivery.status = transition.target
        _stamp_request(delivery)
        entries.extend(_event_entries(delivery, transition, actor_label, detail))
    deliveries = [delivery for delivery, _, _ in items]
    if not deliveries:
        return []
    with transaction.atomic():
        insert_rows(Delivery, deliveries)
        record_many(entries)
    for delivery in deliveries:
        count_status(delivery.channel, delivery.status)
    return deliveries


def _stamp_request(delivery: Delivery) -> None:
    """A queued delivery carries the id of the request or tick that queued it, for
    the log lines of the worker that sends it."""
    if delivery.status == DeliveryStatus.QUEUED:
        delivery.request_id = request_id()


def claim(delivery_id, now: datetime.datetime | None = None) -> Delivery | None:
    """Take a queued, due delivery for this worker (sending, with a lease, one more
    attempt); None when it isn't ours to send."""
    now = now or timezone.now()
    taken = _update(
        Move.CLAIM,
        {"pk": delivery_id, "next_attempt_at__lte": now},
        now=now,
        lease_expires_at=now + LEASE,
        attempts=F("attempts") + 1,
    )
    if not taken:
        return None
    claimed = Delivery.objects.select_related("organization", "contact", "message", "link").get(
        pk=delivery_id
    )
    count_status(claimed.channel, DeliveryStatus.SENDING)
    return claimed


def count_status(channel: str, status: str) -> None:
    from hushpost.metrics.counters import DELIVERIES

    DELIVERIES.labels(channel, status).inc()


def claim_due(limit: int, *, worker: str = "", now: datetime.datetime | None = None):
    """Take up to `limit` queued deliveries whose next attempt is due, oldest due first
    (in the order they were queued), for this worker: the queue is the table itself.

    The rows are locked as they are read (PostgreSQL: FOR UPDATE SKIP LOCKED, so
    workers claiming at once take disjoint sets without waiting; SQLite: an exclusive
    transaction from its start), so the rows read back are exactly the ones moved.
    """
    now = now or timezone.now()
    return _claim(
        lambda rows: rows.filter(next_attempt_at__lte=now).order_by(
            "next_attempt_at", "created_at"
        )[:limit],
        worker=worker,
        now=now,
    )


def claim_batch(ids, *, worker: str = "", now: datetime.datetime | None = None):
    """`claim_due` for these deliveries only: those of `ids` still queued and due."""
    now = now or timezone.now()
    return _claim(
        lambda rows: rows.filter(pk__in=list(ids), next_attempt_at__lte=now),
        worker=worker,
        now=now,
    )


def _claim(pick, *, worker: str, now: datetime.datetime) -> list[Delivery]:
    """Move the queued rows `pick` chooses to `sending` with one lease and one more
    attempt, and read them back in the queue's order.

    One statement takes them: `WITH chosen(id) AS MATERIALIZED (the pick, locked as
    it is read) UPDATE … WHERE id IN chosen RETURNING id`, so the rows read back are
    exactly the ones moved. Its SQL is written here rather than by the ORM, which on
    a worker's hot path spent as long building the lock, the UPDATE and its read as
    the database spent running them.
    """
    connection = connections[router.db_for_write(Delivery)]
    with exclusive_transaction(connection.alias):
        rows = pick(
            Delivery.objects.using(connection.alias)
            .select_for_update(no_key=True, skip_locked=True)
            .filter(status=DeliveryStatus.QUEUED)
            .order_by()
        ).values("pk")
        chosen, chosen_params = rows.query.get_compiler(connection=connection).as_sql()
        quote = connection.ops.quote_name
        taken = _returning_ids(
            connection,
            Move.CLAIM,
            _set_clause(
                connection,
                Move.CLAIM,
                now,
                {"lease_expires_at": now + LEASE, "claimed_by": worker[:64]},
                raw={"attempts": f"{quote('attempts')} + 1"},
            ),
            f"{_column(connection, 'id')} IN (SELECT chosen.{quote('id')} FROM chosen)",
            [],
            # MATERIALIZED: the pick runs once. As a subquery of the UPDATE PostgreSQL
            # may run it again per row, each run locking and taking another `limit`.
            prefix=(f"WITH chosen({quote('id')}) AS MATERIALIZED ({chosen}) ", list(chosen_params)),
        )
        if not taken:
            return []
        claimed = list(
            Delivery.objects.using(connection.alias)
            .select_related("organization", "contact", "message", "link")
            .filter(pk__in=taken)
            .order_by("next_attempt_at", "created_at")
        )
    for delivery in claimed:
        count_status(delivery.channel, DeliveryStatus.SENDING)
    return claimed


def apply_many(
    move: Move,
    items: list[tuple[Delivery, dict[str, Any], dict[str, Any]]],
    *,
    now: datetime.datetime | None = None,
) -> list[Delivery]:
    """`apply` over many deliveries claimed together, each fenced on its own attempt:
    `items` are (delivery, fields, event detail), every item with the same field names.
    Returns the deliveries moved.

    One UPDATE moves them all: each row's id, attempt and the fields that differ
    between rows come in a VALUES list, and `RETURNING id` says which rows still
    stood under their claim; the events of exactly those are written in one INSERT.
    """
    transition = TRANSITIONS[move]
    if not transition.sources or transition.target == DeliveryStatus.QUEUED:
        raise ValueError(f"{move} is not a move apply_many makes")
    if not items:
        return []
    now = now or timezone.now()
    with transaction.atomic():
        standing = _update_each(move, items, now=now)
        moved = [item for item in items if item[0].pk in standing]
        entries: list[dict[str, Any]] = []
        for delivery, fields, detail in moved:
            delivery.status = transition.target
            delivery.updated_at = now
            delivery.lease_expires_at = None
            for name, value in fields.items():
                setattr(delivery, name, value)
            entries.extend(_event_entries(delivery, transition, "system", detail))
        record_many(entries)
    for delivery, _, _ in moved:
        count_status(delivery.channel, transition.target)
    return [delivery for delivery, _, _ in moved]


def _update_each(
    move: Move,
    items: list[tuple[Delivery, dict[str, Any], dict[str, Any]]],
    *,
    now: datetime.datetime,
) -> set:
    """`apply_many`'s UPDATE: the ids of the rows it moved.

    `WITH each(id, attempts, <differing fields>) AS (VALUES …) UPDATE … FROM each`
    (SQLite 3.33+ and PostgreSQL). Written here, not by the ORM: Django's per-row
    CASE took longer to build than the database took to run it.
    """
    connection = connections[router.db_for_write(Delivery)]
    names = list(items[0][1])
    if any(list(fields) != names for _, fields, _ in items):
        raise ValueError("apply_many needs the same fields for every delivery")
    first = items[0][1]
    same = {name: first[name] for name in names if all(f[name] == first[name] for _, f, _ in items)}
    differing = [name for name in names if name not in same]
    quote = connection.ops.quote_name
    pk = Delivery._meta.pk
    assert pk is not None
    columns = ["id", "attempts", *(str(_field(name).column) for name in differing)]
    row = "(" + ", ".join(["%s"] * len(columns)) + ")"
    values: list[Any] = []
    for delivery, fields, _ in items:
        values.append(pk.get_db_prep_value(delivery.pk, connection))
        values.append(delivery.attempts)
        values.extend(_prep(connection, name, fields[name]) for name in differing)
    set_sql, set_params = _set_clause(
        connection,
        move,
        now,
        same,
        raw={column: f"each.{quote(column)}" for column in columns[2:]},
    )
    each = f"each({', '.join(quote(column) for column in columns)})"
    return _returning_ids(
        connection,
        move,
        (set_sql, set_params),
        f"{_column(connection, 'id')} = each.{quote('id')}"
        f" AND {_column(connection, 'attempts')} = each.{quote('attempts')}",
        [],
        prefix=(f"WITH {each} AS (VALUES {', '.join([row] * len(items))}) ", values),
        source=" FROM each",
    )


def _field(name: str) -> models.Field:
    field = Delivery._meta.get_field(name)
    assert isinstance(field, models.Field)  # a concrete column, not a relation's reverse
    return field


def _column(connection, name: str) -> str:
    return f"{connection.ops.quote_name(Delivery._meta.db_table)}.{connection.ops.quote_name(name)}"


def _prep(connection, name: str, value: Any) -> Any:
    return _field(name).get_db_prep_save(value, connection)


def _set_clause(
    connection,
    move: Move,
    now: datetime.datetime,
    fields: dict[str, Any],
    *,
    raw: dict[str, str] | None = None,
) -> tuple[str, list[Any]]:
    """The SET of a move written by hand: what `_written` says the move writes, as
    parameters, and `raw` (column: SQL) as given."""
    fields = _written(move, now, fields)
    quote = connection.ops.quote_name
    parts = [f"{quote(str(_field(name).column))} = %s" for name in fields]
    parts += [f"{quote(column)} = {sql}" for column, sql in (raw or {}).items()]
    return ", ".join(parts), [_prep(connection, name, value) for name, value in fields.items()]


def _returning_ids(
    connection,
    move: Move,
    set_clause: tuple[str, list[Any]],
    where: str,
    where_params: list[Any],
    *,
    prefix: tuple[str, list[Any]] = ("", []),
    source: str = "",
) -> set:
    """Run `[prefix] UPDATE delivery SET … [source] WHERE <where> AND <the status is one
    the move starts from> RETURNING id`; the ids of the rows moved."""
    sources = sorted(TRANSITIONS[move].sources)
    table = connection.ops.quote_name(Delivery._meta.db_table)
    sql = (
        f"{prefix[0]}UPDATE {table} SET {set_clause[0]}{source} WHERE {where}"
        f" AND {_column(connection, 'status')} IN ({', '.join(['%s'] * len(sources))})"
        f" RETURNING {_column(connection, 'id')}"
    )
    pk = Delivery._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(sql, [*prefix[1], *set_clause[1], *where_params, *sources])
        return {pk.to_python(value) for (value,) in cursor.fetchall()}


def apply(
    delivery: Delivery,
    move: Move,
    *,
    fence: dict[str, Any] | None = None,
    log: dict[str, Any] | None = None,
    actor=None,
    actor_label: str = "",
    detail: dict[str, Any] | None = None,
    now: datetime.datetime | None = None,
    **fields: Any,
) -> bool:
    """Make `move` on this delivery if it still stands where the move starts (and
    matches `fence`); True when this call made it.

    `fields` are written with the status, `log` is appended to the attempt log,
    and the move's events carry `detail` (plus the channel). The instance is
    updated to what was written.
    """
    transition = TRANSITIONS[move]
    if not transition.sources:
        raise ValueError(f"{move} creates a delivery; use insert()")
    now = now or timezone.now()
    if log is not None:
        fields["attempt_log"] = [*delivery.attempt_log, log]
    with transaction.atomic():
        if not _update(move, {"pk": delivery.pk, **(fence or {})}, now=now, **fields):
            return False
        delivery.status = transition.target
        delivery.updated_at = now
        for name, value in fields.items():
            setattr(delivery, name, value)
        if transition.target != DeliveryStatus.SENDING:
            delivery.lease_expires_at = None
        _after(delivery, transition, actor=actor, actor_label=actor_label, detail=detail or {})
    return True


def _update(move: Move, filters: dict[str, Any], *, now: datetime.datetime, **fields: Any) -> int:
    """The conditional UPDATE of one move over every row matching `filters`."""
    transition = TRANSITIONS[move]
    return Delivery.objects.filter(status__in=transition.sources, **filters).update(
        **_written(move, now, fields)
    )


def _written(move: Move, now: datetime.datetime, fields: dict[str, Any]) -> dict[str, Any]:
    """Every column a move writes, whether the ORM (`_update`) or hand-written SQL
    (`_set_clause`) writes it: the move's status, `updated_at`, the lease cleared
    unless it ends in `sending`, and `fields`."""
    if "status" in fields:
        raise TypeError("the move decides the status")
    target = TRANSITIONS[move].target
    written = {"status": target, "updated_at": now, **fields}
    if target != DeliveryStatus.SENDING:
        written.setdefault("lease_expires_at", None)
    if target == DeliveryStatus.QUEUED:
        # Queued again (a retry, staff, reconciliation): the worker's log lines name
        # who did it; a worker's own retry keeps the id it is logging under.
        written.setdefault("request_id", request_id())
    return written


def _after(
    delivery: Delivery, transition: Transition, *, actor, actor_label: str, detail: dict
) -> None:
    for kind in transition.events:
        record(
            delivery.organization,
            kind,
            contact=delivery.contact,
            message=delivery.message,
            delivery=delivery,
            link=delivery.link,
            actor=actor,
            actor_label=actor_label,
            channel=delivery.channel,
            **detail,
        )
    # Counted as the move is written; a move rolled back with its caller's transaction
    # is a rare overcount.
    count_status(delivery.channel, transition.target)


def _event_entries(
    delivery: Delivery, transition: Transition, actor_label: str, detail: dict[str, Any]
) -> list[dict[str, Any]]:
    """`record_many`'s entries for a move of the delivery: what `_after` records one by one."""
    return [
        {
            "organization": delivery.organization,
            "kind": kind,
            "contact": delivery.contact,
            "message": delivery.message,
            "delivery": delivery,
            "link": delivery.link,
            "actor_label": actor_label,
            "detail": {"channel": delivery.channel, **detail},
        }
        for kind in transition.events
    ]
