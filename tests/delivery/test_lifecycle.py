"""The one owner of Delivery.status: its table walked move by move on real rows,
the rules the table must keep, and the source of every other module read to
prove nothing else writes a status or an opt-out."""

from __future__ import annotations

import ast
import datetime
import re
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

import hushpost
from hushpost.activity.models import Event
from hushpost.delivery import lifecycle
from hushpost.delivery.lifecycle import TRANSITIONS, Move
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.log_context import bound

pytestmark = pytest.mark.django_db

PACKAGE = Path(hushpost.__file__).resolve().parent
OWNER = PACKAGE / "delivery" / "lifecycle.py"
OPT_OUT_OWNER = PACKAGE / "delivery" / "opt_out.py"
DOCS = PACKAGE.parent / "docs" / "ARCHITECTURE.md"
EXISTING_MOVES = [move for move in Move if TRANSITIONS[move].sources]
S = DeliveryStatus


def in_status(jane, status: DeliveryStatus, **fields) -> Delivery:
    """A delivery to jane standing in `status` (tests set it directly; the product never does)."""
    now = timezone.now()
    delivery = Delivery(
        organization=jane.organization,
        contact=jane,
        channel="sms",
        to=jane.phone,
        status=status,
        idempotency_key=f"lifecycle:{status}:{now.timestamp()}:{id(fields)}",
        next_attempt_at=now - datetime.timedelta(seconds=1),
        lease_expires_at=now + lifecycle.LEASE if status == S.SENDING else None,
        **fields,
    )
    delivery.body = "Riverside Clinic sent you a secure message"
    delivery.save()
    return delivery


def test_every_move_is_in_the_table_and_every_status_can_be_reached():
    assert set(TRANSITIONS) == set(Move)
    assert {transition.target for transition in TRANSITIONS.values()} == set(DeliveryStatus)
    assert {move for move in Move if not TRANSITIONS[move].sources} == {Move.QUEUE, Move.HOLD}


def test_held_is_final_and_only_an_email_failure_leaves_delivered():
    leaving_delivered = {move for move in Move if S.DELIVERED in TRANSITIONS[move].sources}
    assert leaving_delivered == {Move.EMAIL_FAILED, Move.EMAIL_BOUNCED}
    assert not [move for move in Move if S.HELD in TRANSITIONS[move].sources]


def test_the_only_ways_back_to_queued_are_a_retry_decision_a_staff_retry_and_reconciliation():
    into_queued = {
        move for move, transition in TRANSITIONS.items() if transition.target == S.QUEUED
    }
    assert into_queued == {
        Move.QUEUE,
        Move.RETRY_LATER,
        Move.STAFF_RETRY,
        Move.RECONCILED_NOT_FOUND,
    }


@pytest.mark.parametrize("move", EXISTING_MOVES, ids=str)
@pytest.mark.parametrize("start", list(DeliveryStatus), ids=str)
def test_each_move_changes_exactly_the_statuses_it_starts_from(move, start, jane):
    transition = TRANSITIONS[move]
    delivery = in_status(jane, start, attempt_log=[{"attempt": 1}])
    row = {"at": "2026-03-01T12:00:00+00:00", "attempt": 1, "error": "test"}
    with bound(request_id="req-move"):
        if move is Move.CLAIM:
            moved = lifecycle.claim(delivery.pk) is not None
        else:
            moved = lifecycle.apply(
                delivery, move, log=row, detail={"reason": "because"}, reason="because"
            )
    assert moved is (start in transition.sources)
    stored = Delivery.objects.get(pk=delivery.pk)
    events = list(Event.objects.filter(delivery=delivery).values_list("kind", flat=True))
    if not moved:
        assert (stored.status, stored.updated_at, events) == (start, delivery.updated_at, [])
        assert stored.request_id == ""
        return
    assert stored.status == transition.target
    assert sorted(events) == sorted(transition.events)
    # A lease exists only while sending; a move into queued names who queued it again
    # (the worker's log lines carry it), and no task row is made: the row is the queue.
    assert (stored.lease_expires_at is not None) is (transition.target == S.SENDING)
    assert stored.request_id == ("req-move" if transition.target == S.QUEUED else "")
    assert not DBTaskResult.objects.exists()
    if move is not Move.CLAIM:
        assert stored.attempt_log == [{"attempt": 1}, row]
        assert stored.reason == "because" and delivery.status == transition.target
        for event in Event.objects.filter(delivery=delivery):
            assert event.detail == {"channel": "sms", "reason": "because"}


@pytest.mark.parametrize("move", [Move.QUEUE, Move.HOLD], ids=str)
def test_a_new_delivery_is_saved_in_its_moves_status_with_its_event_once(move, jane):
    def new() -> Delivery:
        return Delivery(
            organization=jane.organization,
            contact=jane,
            channel="email",
            to=jane.email,
            idempotency_key="lifecycle:new",
        )

    first = lifecycle.insert(new(), move)
    again = lifecycle.insert(new(), move)  # the same key: a concurrent request lost the insert
    assert again.pk == first.pk and first.status == TRANSITIONS[move].target
    assert list(Event.objects.filter(delivery=first).values_list("kind", flat=True)) == list(
        TRANSITIONS[move].events
    )
    with pytest.raises(ValueError):
        lifecycle.apply(first, move)
    with pytest.raises(ValueError):
        lifecycle.insert(new(), Move.FAIL)


def test_a_fence_keeps_a_stale_writer_out(jane):
    delivery = in_status(jane, S.SENDING, attempts=2)
    assert not lifecycle.apply(delivery, Move.FAIL, fence={"attempts": 1})
    assert lifecycle.apply(delivery, Move.FAIL, fence={"attempts": 2})
    with pytest.raises(TypeError):
        lifecycle.apply(delivery, Move.STAFF_RETRY, status=S.SENT)


def test_a_retry_later_is_claimed_no_earlier_than_the_retry_time(jane):
    delivery = in_status(jane, S.SENDING)
    later = timezone.now() + datetime.timedelta(minutes=10)
    assert lifecycle.apply(delivery, Move.RETRY_LATER, next_attempt_at=later)
    assert lifecycle.claim_due(10) == []
    assert lifecycle.claim_due(10, now=later - datetime.timedelta(seconds=1)) == []
    assert [d.pk for d in lifecycle.claim_due(10, now=later)] == [delivery.pk]


def test_the_architecture_doc_shows_this_table():
    """docs/ARCHITECTURE.md lists every move as `| move | from | to | events | made by |`."""
    documented = {}
    for line in DOCS.read_text().splitlines():
        cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in Move.values:
            documented[cells[0]] = tuple(cells[1:4])
    expected = {
        move.value: (
            ", ".join(s for s in DeliveryStatus if s in TRANSITIONS[move].sources) or "(new)",
            TRANSITIONS[move].target.value,
            ", ".join(TRANSITIONS[move].events) or "—",
        )
        for move in Move
    }
    assert documented == expected


# --- Nothing else writes a status ---------------------------------------------------

QUERY_WRITES = {"update", "create", "get_or_create", "update_or_create", "bulk_create"}


def _deals_with_deliveries(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.ImportFrom)
        and node.module == "hushpost.delivery.models"
        and {alias.name for alias in node.names} & {"Delivery", "DeliveryStatus"}
        for node in ast.walk(tree)
    )


def _names_deliveries(node: ast.AST) -> bool:
    """The expression reaches deliveries: `Delivery.objects…`, `x.deliveries…`, `delivery…`."""
    for part in ast.walk(node):
        name = part.id if isinstance(part, ast.Name) else getattr(part, "attr", "")
        if isinstance(name, str) and re.search(r"deliver", name, re.IGNORECASE):
            return True
    return False


def _constant_strings(node: ast.AST) -> set[str]:
    return {
        part.value
        for part in ast.walk(node)
        if isinstance(part, ast.Constant) and isinstance(part.value, str)
    }


def writes_of(field: str, source: str, *, strict: bool) -> list[int]:
    """Lines writing `field` in this source. `strict` (the module imports the Delivery
    model) counts any such write; otherwise only one that names deliveries."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                for part in ast.walk(target):
                    if (
                        isinstance(part, ast.Attribute)
                        and part.attr == field
                        and isinstance(part.ctx, ast.Store)
                        and (strict or _names_deliveries(part.value))
                    ):
                        found.append(node.lineno)
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        keywords = {keyword.arg for keyword in node.keywords}
        # `**fields` may hold anything, so it counts as a write of every field.
        sets_field = field in keywords or None in keywords
        if name in QUERY_WRITES and sets_field and (strict or _names_deliveries(func)):
            found.append(node.lineno)
        elif name == "Delivery" and sets_field:
            found.append(node.lineno)
        elif name == "save" and (strict or _names_deliveries(func)):
            update_fields = [k.value for k in node.keywords if k.arg == "update_fields"]
            if any(field in _constant_strings(value) for value in update_fields):
                found.append(node.lineno)
        elif name == "setattr" and len(node.args) > 1 and (strict or _names_deliveries(node)):
            named = node.args[1]
            if not isinstance(named, ast.Constant) or named.value == field:
                found.append(node.lineno)
    return sorted(set(found))


def _modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, path.read_text()


def test_no_module_but_the_lifecycle_writes_a_delivery_status():
    offenders = {}
    for path, source in _modules():
        if path == OWNER:
            continue
        strict = _deals_with_deliveries(ast.parse(source))
        lines = writes_of("status", source, strict=strict)
        if lines:
            offenders[str(path.relative_to(PACKAGE))] = lines
    assert offenders == {}


def test_only_opt_out_changes_a_contacts_opt_out_flags_behind_a_form():
    offenders = {}
    for path, source in _modules():
        if path == OPT_OUT_OWNER:
            continue
        for flag in ("sms_opt_out", "email_opt_out"):
            tree = ast.parse(source)
            lines = [
                node.lineno
                for node in ast.walk(tree)
                if isinstance(node, ast.Call)
                and getattr(node.func, "attr", "") in QUERY_WRITES
                and flag in {keyword.arg for keyword in node.keywords}
            ]
            if lines:
                offenders[f"{path.relative_to(PACKAGE)}:{flag}"] = lines
    assert offenders == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "Delivery.objects.filter(pk=1).update(status='sent')",
        "Delivery.objects.filter(pk=1).update(**fields)",
        "contact.deliveries.update(status='held')",
        "Delivery(status='queued').save()",
        "Delivery.objects.create(status='queued')",
        "delivery.status = 'sent'",
        "delivery.status, x = 'sent', 1",
        "delivery.save(update_fields=['status', 'reason'])",
        "setattr(delivery, 'status', 'sent')",
        "setattr(delivery, name, value)",
    ],
)
def test_the_source_check_catches_a_status_write(snippet):
    assert writes_of("status", snippet, strict=False) == [1]


def test_in_a_module_with_deliveries_any_status_write_counts():
    snippet = "current.status = 'queued'\ncurrent.save(update_fields=['status'])"
    assert writes_of("status", snippet, strict=False) == []
    assert writes_of("status", snippet, strict=True) == [1, 2]


@pytest.mark.parametrize(
    "snippet",
    [
        "DueSend.objects.filter(pk=1).update(status='sent')",
        "appointment.status = 'cancelled'",
        "Delivery.objects.filter(status='queued').update(next_attempt_at=now)",
        "Delivery.objects.filter(pk=1).update(repeat_opens=F('repeat_opens') + 1)",
        "delivery.save(update_fields=['reason'])",
    ],
)
def test_the_source_check_leaves_other_writes_alone(snippet):
    assert writes_of("status", snippet, strict=False) == []
