"""`hushpost manage rotate-keys`: everything ends under the newest key, nothing is lost."""

from __future__ import annotations

import threading

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from hushpost.contacts.models import Contact
from hushpost.crypto import generate_key, rotation
from hushpost.crypto.keyring import key_id_of
from hushpost.delivery.models import Delivery
from hushpost.messaging.models import Attachment, Conversation, Direction, Message, Origin

OLD = generate_key()
NEW = generate_key()


def _messages(org, count: int, contact=None) -> list[Message]:
    contact = contact or Contact.objects.create(
        organization=org, name="Dana Fox", email="dana@example.com"
    )
    conversation, _ = Conversation.objects.get_or_create(organization=org, contact=contact)
    made = []
    for number in range(count):
        message = Message(
            organization=org,
            conversation=conversation,
            contact=contact,
            direction=Direction.OUTBOUND,
            origin=Origin.COMPOSE,
        )
        message.subject = f"subject {number}"
        message.body = f"body {number}"
        message.save()
        made.append(message)
    return made


def _stored(model, column):
    return list(model._base_manager.exclude(**{column: ""}).values_list(column, flat=True))


def _run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("rotate-keys", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def old_ring(settings):
    settings.HUSHPOST_KEYS = f"old:{OLD}"
    return settings


def _new_ring(settings):
    settings.HUSHPOST_KEYS = f"new:{NEW},old:{OLD}"


def test_everything_is_rewritten_under_the_new_key_and_still_reads(old_ring, org_a):
    contact = Contact.objects.create(organization=org_a, name="Ana Ruiz", phone="+14155550100")
    contact.secure_pin = "8642"
    contact.save()
    messages = _messages(org_a, 5, contact)
    attachment = Attachment(
        organization=org_a,
        message=messages[0],
        file_name="x.pdf",
        content_type="application/pdf",
        size=4,
    )
    attachment.data = b"\x00\x01PDF"
    attachment.save()
    delivery = Delivery(
        organization=org_a, contact=contact, channel="sms", to=contact.phone, idempotency_key="k1"
    )
    delivery.body = "Your link: https://example.test/s/abc"
    delivery.save()

    _new_ring(old_ring)
    out = _run("--batch-size", "2")

    assert "messaging.Message.body: 2/5" in out
    assert "messaging.Message.body: 5/5" in out
    assert "contacts.Contact.secure_pin: 1/1" in out
    assert "Everything is encrypted under key 'new'" in out
    for target in rotation.targets():
        assert {key_id_of(token) for token in _stored(target.model, target.column)} <= {"new"}
    # Now the old key can go.
    old_ring.HUSHPOST_KEYS = f"new:{NEW}"
    assert [m.body for m in Message.objects.order_by("created_at")] == [
        f"body {n}" for n in range(5)
    ]
    assert Message.objects.get(pk=messages[3].pk).subject == "subject 3"
    assert Contact.objects.get(pk=contact.pk).secure_pin == "8642"
    assert Attachment.objects.get(pk=attachment.pk).data == b"\x00\x01PDF"
    assert Delivery.objects.get(pk=delivery.pk).body == "Your link: https://example.test/s/abc"


def test_dry_run_and_check_count_what_is_left_without_changing_it(old_ring, org_a):
    _messages(org_a, 3)
    _new_ring(old_ring)
    before = _stored(Message, "body_encrypted")

    out = _run("--dry-run")
    assert "messaging.Message.body: 3 of 3 not under 'new' (under old)" in out
    assert _stored(Message, "body_encrypted") == before
    with pytest.raises(CommandError, match=r"still under older keys \(old\)"):
        _run("--check")

    _run()
    assert "older keys can be removed" in _run("--check")


def test_an_interrupted_run_resumes_where_it_stopped(old_ring, org_a):
    _messages(org_a, 7)
    _new_ring(old_ring)
    target = next(t for t in rotation.targets() if t.label == "messaging.Message.body")

    class Interrupted(Exception):
        pass

    def stop(progress):
        raise Interrupted

    with pytest.raises(Interrupted):
        rotation.rotate(target, batch_size=3, on_batch=stop)
    assert (
        sorted(key_id_of(t) for t in _stored(Message, "body_encrypted"))
        == ["new"] * 3 + ["old"] * 4
    )

    out = _run("--batch-size", "3")
    assert "messaging.Message.body: 6/7" in out and "messaging.Message.body: 7/7" in out
    assert {key_id_of(t) for t in _stored(Message, "body_encrypted")} == {"new"}
    assert sorted(m.body for m in Message.objects.all()) == [f"body {n}" for n in range(7)]


def test_a_value_under_a_key_no_longer_in_the_ring_is_named_and_left_alone(settings, org_a):
    settings.HUSHPOST_KEYS = f"gone:{generate_key()}"
    [lost] = _messages(org_a, 1)
    lost_token = Message.objects.get(pk=lost.pk).body_encrypted
    settings.HUSHPOST_KEYS = f"old:{OLD}"
    kept = _messages(org_a, 2, lost.contact)
    _new_ring(settings)

    with pytest.raises(CommandError) as raised:
        _run()
    message = str(raised.value)
    assert "\n" not in message
    assert "messaging.Message.body" in message and str(lost.pk) in message and "'gone'" in message
    assert Message.objects.get(pk=lost.pk).body_encrypted == lost_token
    # Everything else was still rotated.
    assert [Message.objects.get(pk=m.pk).body for m in kept] == ["body 0", "body 1"]
    assert {key_id_of(Message.objects.get(pk=m.pk).body_encrypted) for m in kept} == {"new"}


def test_a_copied_ciphertext_is_reported_not_rewritten(old_ring, org_a):
    first, second = _messages(org_a, 2)
    Message.objects.filter(pk=second.pk).update(
        body_encrypted=Message.objects.get(pk=first.pk).body_encrypted
    )
    _new_ring(old_ring)
    with pytest.raises(CommandError, match=f"row {second.pk} \\(key id 'old'\\)"):
        _run()


def test_a_batch_size_below_one_is_refused(old_ring):
    with pytest.raises(CommandError, match="--batch-size must be at least 1"):
        _run("--batch-size", "0")


# Concurrency: the service keeps writing while rotation runs -------------------------


def _in_other_connection(work):
    errors = []

    def run():
        try:
            work()
        except Exception as error:  # pragma: no cover - surfaced below
            errors.append(error)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.django_db(transaction=True)
def test_a_row_rewritten_after_it_was_picked_keeps_the_new_value(settings, org_a, monkeypatch):
    settings.HUSHPOST_KEYS = f"old:{OLD}"
    messages = _messages(org_a, 4)
    _new_ring(settings)
    real_batch = rotation._rotate_batch

    def service_writes_first(target, pks, prefix, progress):
        if target.label == "messaging.Message.body":

            def write():
                for pk in pks[:2]:
                    message = Message.objects.get(pk=pk)
                    message.body = f"edited {pk}"
                    message.save(update_fields=["body_encrypted"])

            thread, errors = _in_other_connection(write)
            thread.join()
            assert not errors
        real_batch(target, pks, prefix, progress)

    monkeypatch.setattr(rotation, "_rotate_batch", service_writes_first)
    _run("--batch-size", "4")

    bodies = {m.pk: m.body for m in Message.objects.all()}
    original = {m.pk: m.body for m in messages}
    picked = sorted(bodies)
    assert [bodies[pk] for pk in picked] == [f"edited {pk}" for pk in picked[:2]] + [
        original[pk] for pk in picked[2:]
    ]
    assert {key_id_of(t) for t in _stored(Message, "body_encrypted")} == {"new"}


@pytest.mark.django_db(transaction=True)
def test_writes_running_alongside_rotation_are_never_lost(settings, org_a):
    settings.HUSHPOST_KEYS = f"old:{OLD}"
    messages = _messages(org_a, 120)
    _new_ring(settings)
    done = threading.Event()
    last_written: dict = {}

    def service():
        round_ = 0
        while not done.is_set() or round_ < 2:
            round_ += 1
            for message in messages[round_ % 7 :: 7]:
                text = f"edit {round_} of {message.pk}"
                row = Message.objects.get(pk=message.pk)
                row.body = text
                row.save(update_fields=["body_encrypted"])
                last_written[message.pk] = text

    thread, errors = _in_other_connection(service)
    try:
        _run("--batch-size", "10")
    finally:
        done.set()
        thread.join()
    assert not errors
    assert last_written, "the service thread wrote nothing"
    _run()  # anything the service wrote after the first pass (it writes under the new key anyway)
    original = {m.pk: f"body {n}" for n, m in enumerate(messages)}
    assert {m.pk: m.body for m in Message.objects.all()} == {
        pk: last_written.get(pk, body) for pk, body in original.items()
    }
    assert {key_id_of(t) for t in _stored(Message, "body_encrypted")} == {"new"}
