"""The tamper-evident chain over each organization's activity log (activity/chain.py)."""

from __future__ import annotations

import csv
import io
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from hushpost.activity.chain import GENESIS, chain_keys, verify
from hushpost.activity.log import record
from hushpost.activity.models import ChainHead, Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.contacts.services import delete_contact
from hushpost.messaging.compose import send_message
from hushpost.messaging.models import Message

ROOT = Path(__file__).resolve().parents[2]


def verify_audit(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("verify-audit", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code or 0), out.getvalue()
    return 0, out.getvalue()


def tamper(sql: str, *params) -> None:
    """What someone with write access to the database could do, past every model guard."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def history(org_a, org_b, alice, mallory):
    events = [
        record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, section="secure messaging"),
        record(org_b, EventKind.SIGNED_IN, actor=mallory, ip="192.0.2.7"),
        record(org_a, EventKind.API_KEY_CREATED, actor=alice, name="Booking system"),
        record(org_a, EventKind.USER_CHANGED, actor=alice, role="member"),
        record(org_a, EventKind.ACTIVITY_EXPORTED, actor=alice, rows=3),
    ]
    return events


@pytest.mark.django_db
def test_each_organization_numbers_and_links_its_own_events(org_a, org_b, history):
    first, theirs, second, third, _ = (Event.objects.get(pk=e.pk) for e in history)
    assert [first.seq, second.seq, third.seq] == [1, 2, 3]
    assert theirs.seq == 1 and theirs.prev_hash == GENESIS
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    head = ChainHead.objects.get(organization=org_a)
    assert (head.seq, head.hash) == (4, Event.objects.get(pk=history[-1].pk).hash)
    assert verify(org_a.pk).intact and verify(org_a.pk).events == 4
    assert verify_audit() == (0, "harbor: intact (1 events)\nriverside: intact (4 events)\n")


@pytest.mark.django_db
def test_bulk_inserts_are_sealed_in_order(org_a, history):
    made = Event.objects.bulk_create(
        [
            Event(organization=org_a, kind=EventKind.CONTACTS_IMPORTED, detail={"n": n})
            for n in (1, 2)
        ]
    )
    assert [event.seq for event in made] == [5, 6]
    assert verify(org_a.pk).intact


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("sql", "reason"),
    [
        ('UPDATE activity_event SET detail = \'{"role": "owner"}\' WHERE id = %s', "detail"),
        ("UPDATE activity_event SET kind = 'signed_in' WHERE id = %s", "kind"),
        ("UPDATE activity_event SET actor_label = 'bob@riverside.example' WHERE id = %s", "actor"),
        ("DELETE FROM activity_event WHERE id = %s", "events are missing"),
    ],
)
def test_a_row_changed_in_sql_is_named_by_verify_audit(org_a, history, sql, reason):
    changed = history[3]  # riverside's third event
    tamper(sql, changed.pk)

    status, out = verify_audit("--org", "riverside")

    assert status == 1
    (line,) = out.splitlines()
    # Deleting a row breaks the link at the event after it.
    named = history[4] if sql.startswith("DELETE") else changed
    assert line.startswith(
        f"riverside: broken at event {named.pk} "
        f"({named.created_at.isoformat(timespec='seconds')}): "
    )
    assert reason in line
    assert verify_audit("--org", "harbor")[0] == 0


@pytest.mark.django_db
def test_a_rehashed_row_does_not_pass_without_the_key(org_a, history):
    # Changing the content and recomputing a plain hash is not enough: the hash is keyed.
    import hashlib

    event = Event.objects.get(pk=history[3].pk)
    sealed = event.sealed.replace('"member"', '"owner"')
    forged = hashlib.sha256(f"{event.prev_hash}\n{sealed}".encode()).hexdigest()
    tamper(
        "UPDATE activity_event SET sealed = %s, hash = %s, detail = %s WHERE id = %s",
        sealed,
        forged,
        '{"role": "owner"}',
        event.pk,
    )
    assert "its hash does not match" in str(verify(org_a.pk).broken)


@pytest.mark.django_db
def test_removing_the_newest_events_is_noticed(org_a, history):
    tamper("DELETE FROM activity_event WHERE id = %s", history[4].pk)
    assert "the chain ends at 3 but its head says 4" in verify_audit("--org", "riverside")[1]


@pytest.mark.django_db
def test_an_unknown_organization_is_one_clear_error(history):
    with pytest.raises(CommandError, match="no organization with the slug 'nowhere'"):
        verify_audit("--org", "nowhere")


@pytest.mark.django_db
def test_events_sealed_under_a_rotated_secret_key_verify_while_it_is_a_fallback(
    org_a, history, settings
):
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-" + "x" * 50
    settings.SECRET_KEY_FALLBACKS = [old]
    record(org_a, EventKind.SETTINGS_CHANGED, actor_label="system", section="after rotation")
    assert verify(org_a.pk).intact
    settings.SECRET_KEY_FALLBACKS = []
    assert "sealed under another key" in str(verify(org_a.pk).broken)


@pytest.mark.django_db
def test_purging_old_content_and_deleting_a_contact_keep_the_chain_intact(org_a, alice, secure_on):
    jane = Contact(organization=org_a, name="Jane Roe", phone="+14155550100")
    jane.secure_pin = "4321"
    jane.save()
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550101")
    with time_machine.travel(timezone.now() - timedelta(days=100)):
        send_message(
            org_a, contacts=[jane, sam], channel="sms", secure=True, body="old", sender=alice
        )
    send_message(org_a, contacts=[sam], channel="sms", secure=True, body="new", sender=alice)
    referencing = Event.objects.filter(message__isnull=False).count()

    call_command("purge", "--older-than-days", "30", stdout=io.StringIO())
    assert Message.objects.count() == 1
    sam_id = sam.pk
    delete_contact(sam, actor=alice)

    # References were cleared by the deletions; the sealed content still names them.
    assert Event.objects.filter(message__isnull=False).count() < referencing
    assert not Event.objects.filter(contact_id=sam_id).exists()
    purged = Event.objects.get(kind=EventKind.DATA_PURGED)
    assert purged.detail["messages"] == 2 and purged.seq == ChainHead.objects.get().seq - 1
    # Its checkpoint: the chain as it stood when the purge began.
    last_before = Event.objects.get(seq=purged.seq - 1)
    assert (purged.detail["chain_seq"], purged.detail["chain_hash"]) == (
        last_before.seq,
        last_before.hash,
    )
    assert verify_audit("--org", "riverside") == (
        0,
        f"riverside: intact ({Event.objects.count()} events)\n",
    )
    # Pointing a cleared reference at something else is still a change.
    event = Event.objects.filter(kind=EventKind.QUEUED, contact__isnull=True).first()
    tamper("UPDATE activity_event SET contact_id = %s WHERE id = %s", jane.pk.hex, event.pk)
    assert "its contact was changed" in str(verify(org_a.pk).broken)


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_each_take_the_next_place(org_a):
    writers, each = 4, 15
    ready = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(n: int) -> None:
        try:
            ready.wait(timeout=30)
            for i in range(each):
                record(org_a, EventKind.SETTINGS_CHANGED, actor_label=f"writer {n}", step=i)
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert sorted(Event.objects.values_list("seq", flat=True)) == list(range(1, writers * each + 1))
    assert verify(org_a.pk).intact


def _offline_recipe():
    text = (ROOT / "docs" / "SECURITY.md").read_text()
    code = re.search(r"<!-- offline-audit-recipe -->\n```python\n(.*?)```", text, re.S).group(1)
    namespace: dict = {"__name__": "recipe"}
    exec(compile(code, "SECURITY.md recipe", "exec"), namespace)
    return namespace["check"]


@pytest.mark.django_db
def test_the_audit_export_verifies_offline_with_the_documented_recipe(
    org_a, alice, alice_client, history, tmp_path
):
    record(org_a, EventKind.QUEUED, actor_label="system")  # not an audit kind: a gap
    record(org_a, EventKind.LINK_REVOKED, actor=alice)
    response = alice_client.get("/audit/export.csv")
    assert response.status_code == 200
    exported = tmp_path / "audit.csv"
    exported.write_bytes(b"".join(response.streaming_content))
    rows = list(csv.DictReader(exported.open(newline="", encoding="utf-8")))
    queued = Event.objects.get(kind=EventKind.QUEUED)
    seqs = [int(row["seq"]) for row in rows]
    assert seqs == sorted(seqs, reverse=True) and queued.seq not in seqs  # a gap
    assert queued.seq + 1 in seqs and queued.seq - 1 in seqs

    key = verify_audit("--org", "riverside", "--show-key")[1].strip()
    assert bytes.fromhex(key) == chain_keys(org_a.pk)[0]
    check = _offline_recipe()
    assert check(str(exported), key) == []

    # A reviewer's copy changed afterwards, or a wrong key, fails the recipe.
    changed = Event.objects.get(pk=history[3].pk)
    for row in rows:
        if row["seq"] == str(changed.seq):
            row["sealed"] = row["sealed"].replace('"role":"member"', '"role":"owner"')
    with exported.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert check(str(exported), key) == [f"seq {changed.seq}: the hash does not match the content"]
    assert check(str(exported), "00" * 32)
