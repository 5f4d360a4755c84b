"""Reconciliation: an ambiguous text message is settled by Twilio's own list
(the stand-in, over HTTP)."""

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery import lifecycle, reconcile, send, sweep
from hushpost.delivery.models import DeliveryStatus
from hushpost.scheduler import steps as scheduler
from tests.twilio_standin import Reply

pytestmark = pytest.mark.django_db
LATER = reconcile.AUTHORITATIVE_AFTER + timezone.timedelta(minutes=1)


def ambiguous(queue, standin, reply: Reply, **extra):
    delivery = queue("sms", **extra)
    standin.script(reply)
    assert send.send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
    return delivery


def test_a_message_twilio_made_before_its_500_is_marked_sent_with_its_id(queue, twilio_standin):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    [made] = twilio_standin.sent
    assert reconcile.reconcile() == {"found": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider, delivery.provider_id) == (
        DeliveryStatus.SENT,
        "twilio",
        made["sid"],
    )
    assert (delivery.reason, delivery.error_code, delivery.failed_at) == ("", "", None)
    event = Event.objects.get(delivery=delivery, kind=EventKind.DELIVERY_RECONCILED)
    assert event.detail["outcome"] == "found" and event.detail["provider_id"] == made["sid"]
    # The list was asked for this number, with no DateSent filter (which would
    # leave out a message Twilio still holds unsent).
    listing = [r for r in twilio_standin.requests if r.method == "GET"][-1]
    assert "To=%2B14155550100" in listing.path and "DateSent" not in listing.path
    assert send.send_delivery(delivery.pk) is False and len(twilio_standin.sent) == 1


def twilio_says(standin, status: str, error_code: int | None = None) -> dict:
    """What became of the one message the stand-in made, as Twilio's list will then show it."""
    [made] = standin.sent
    return standin.advance(made["sid"], status, error_code)


@pytest.mark.parametrize(
    ("status", "code", "words"),
    [
        ("undelivered", 30003, "the phone is switched off or out of reach (Twilio error 30003)"),
        ("failed", 30008, "the carrier did not deliver it and gave no reason (Twilio error 30008)"),
        ("failed", None, "the carrier reported it failed"),
    ],
)
def test_a_message_twilio_has_but_failed_is_marked_failed_with_its_code(
    queue, twilio_standin, status, code, words
):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    made = twilio_says(twilio_standin, status, code)
    assert reconcile.reconcile() == {"failed": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id, delivery.provider_status) == (
        DeliveryStatus.FAILED,
        made["sid"],
        status,
    )
    assert (delivery.error_code, delivery.reason) == (str(code) if code else "", words)
    assert delivery.failed_at is not None and delivery.attempt_log[-1]["reconciled"] == "found"
    event = Event.objects.get(delivery=delivery, kind=EventKind.DELIVERY_RECONCILED)
    assert event.detail["provider_status"] == status and event.detail["reason"] == words
    assert not Contact.objects.get(pk=delivery.contact_id).sms_opt_out
    # No longer ambiguous: nothing left for the next run, and the worker won't send it.
    assert reconcile.reconcile(now=timezone.now() + LATER) == {}
    assert send.send_delivery(delivery.pk) is False and len(twilio_standin.sent) == 1


def test_twilio_error_21610_opts_the_contact_out_of_texts(queue, twilio_standin):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    twilio_says(twilio_standin, "failed", 21610)
    assert reconcile.reconcile() == {"failed": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "21610")
    assert "replied STOP" in delivery.reason
    assert Contact.objects.get(pk=delivery.contact_id).sms_opt_out
    assert Event.objects.get(kind=EventKind.SMS_OPTED_OUT).detail["reason"] == "carrier_opt_out"
    assert (
        Event.objects.get(delivery=delivery, kind=EventKind.DELIVERY_RECONCILED).detail["opted_out"]
        is True
    )


def test_a_message_twilio_delivered_is_marked_delivered_and_stays_so(queue, twilio_standin):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    made = twilio_says(twilio_standin, "delivered")
    assert reconcile.reconcile() == {"found": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id) == (DeliveryStatus.DELIVERED, made["sid"])
    assert delivery.delivered_at is not None and delivery.sent_at is not None
    # Forward only: a late "sent" callback for the same message changes nothing.
    from hushpost.delivery.callbacks import apply_twilio_status

    assert apply_twilio_status({"MessageSid": made["sid"], "MessageStatus": "sent"}) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_message_still_on_its_way_at_twilio_is_sent_and_callbacks_move_it_on(
    queue, twilio_standin
):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    made = twilio_says(twilio_standin, "sending")
    assert reconcile.reconcile() == {"found": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_status) == (DeliveryStatus.SENT, "sending")
    from hushpost.delivery.callbacks import apply_twilio_status

    assert apply_twilio_status(
        {"MessageSid": made["sid"], "MessageStatus": "undelivered", "ErrorCode": "30005"}
    )
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "30005")


@pytest.mark.parametrize("status", ["queued", "accepted", "scheduled"])
def test_a_message_twilio_holds_but_has_not_sent_yet_is_not_absent(queue, twilio_standin, status):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    made = twilio_says(twilio_standin, status)
    # What a DateSent filter would have answered: nothing, as Twilio answers.
    from hushpost.delivery.channels.twilio_client import make_client

    client, _ = make_client()
    since = timezone.now() - timezone.timedelta(hours=1)
    assert client.api.account.messages.list(to=delivery.to, date_sent_after=since) == []

    assert reconcile.reconcile(now=timezone.now() + LATER) == {"found": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id, delivery.provider_status) == (
        DeliveryStatus.SENT,
        made["sid"],
        status,
    )
    # Never a second text: the worker won't send it, and nothing is left to reconcile.
    assert send.send_delivery(delivery.pk) is False
    assert reconcile.reconcile(now=timezone.now() + LATER) == {}
    assert len(twilio_standin.sent) == 1


def test_a_number_with_more_history_than_one_page_cannot_prove_an_absence(
    queue, twilio_standin, monkeypatch
):
    for index in range(3):
        earlier = queue("sms", body=f"Riverside Clinic: reminder {index}")
        assert send.send_delivery(earlier.pk) is True
    delivery = ambiguous(queue, twilio_standin, Reply(500))
    monkeypatch.setattr(reconcile, "MAX_LISTED", 3)
    assert reconcile.reconcile(now=timezone.now() + LATER) == {"unknown": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
    # With the whole history in one page, the absence is sure and it goes once.
    monkeypatch.setattr(reconcile, "MAX_LISTED", 4)
    assert reconcile.reconcile(now=timezone.now() + LATER) == {"not_found": 1}
    assert send.send_delivery(delivery.pk) is True
    assert len(twilio_standin.sent) == 4


def test_a_message_twilio_never_made_waits_until_the_list_is_authoritative_then_goes_once(
    queue, twilio_standin
):
    delivery = ambiguous(queue, twilio_standin, Reply(500))
    assert reconcile.reconcile() == {"unknown": 1}  # too recent: Twilio may not list it yet
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert reconcile.reconcile(now=timezone.now() + LATER) == {"not_found": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.QUEUED, "")
    assert delivery.next_attempt_at <= timezone.now()
    assert (
        Event.objects.get(delivery=delivery, kind=EventKind.DELIVERY_RECONCILED).detail["outcome"]
        == "not_found"
    )
    assert send.send_delivery(delivery.pk) is True
    assert [m["body"] for m in twilio_standin.sent] == [delivery.body]


def test_one_message_of_twilio_settles_one_delivery_only(queue, twilio_standin):
    # Bodies are unique in practice; were two the same, Twilio's one message
    # proves one sent, not both.
    first = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    second = ambiguous(queue, twilio_standin, Reply(500))
    assert reconcile.reconcile(now=timezone.now() + LATER) == {"found": 1, "not_found": 1}
    statuses = sorted(
        type(first).objects.filter(pk__in=[first.pk, second.pk]).values_list("status", flat=True)
    )
    assert statuses == [DeliveryStatus.QUEUED, DeliveryStatus.SENT]
    assert reconcile.reconcile(now=timezone.now() + LATER) == {}


def test_other_messages_to_the_same_number_are_not_taken_for_it(queue, twilio_standin):
    sent = queue("sms", body="Riverside Clinic: your appointment is tomorrow at 9.")
    assert send.send_delivery(sent.pk) is True
    delivery = ambiguous(queue, twilio_standin, Reply(500))
    assert reconcile.reconcile(now=timezone.now() + LATER) == {"not_found": 1}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.provider_id == ""


def test_a_worker_killed_mid_call_is_reconciled_from_its_claim_time(queue, twilio_standin):
    delivery = queue("sms")
    claimed = lifecycle.claim(delivery.pk)
    # The worker's request reached Twilio; then the worker died before writing anything down.
    from hushpost.delivery.channels.sms import TwilioSmsChannel

    TwilioSmsChannel().send(
        send.Outgoing(
            delivery_id=str(delivery.pk),
            organization_id=delivery.organization_id,
            channel="sms",
            to=claimed.to,
            subject="",
            body=claimed.body,
        )
    )
    later = timezone.now() + lifecycle.LEASE + LATER
    assert sweep.settle_lapsed_claims(now=later) == 1
    delivery.refresh_from_db()
    assert delivery.attempt_log[-1]["claimed_at"]
    assert reconcile.reconcile(now=later) == {"found": 1}
    delivery.refresh_from_db()
    assert (
        delivery.status == DeliveryStatus.SENT
        and delivery.provider_id == twilio_standin.sent[0]["sid"]
    )


def test_nothing_changes_while_twilio_cannot_be_asked(queue, twilio_standin):
    delivery = ambiguous(queue, twilio_standin, Reply(500))
    twilio_standin.stop()
    assert reconcile.reconcile(now=timezone.now() + LATER) == {"unknown": 1}
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
    assert not Event.objects.filter(kind=EventKind.DELIVERY_RECONCILED).exists()


def test_a_staff_retry_or_late_answer_in_between_wins(queue, twilio_standin):
    delivery = ambiguous(queue, twilio_standin, Reply(500, creates=True))
    stale = reconcile.ambiguous_sms().get(pk=delivery.pk)
    type(delivery).objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED)
    assert (
        reconcile._mark_found(stale, reconcile.Listed("SMx", "sent", b""), timezone.now()) is False
    )
    assert reconcile._requeue(stale, timezone.now()) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert not Event.objects.filter(kind=EventKind.DELIVERY_RECONCILED).exists()


def test_email_is_left_for_staff(queue, twilio_standin, smtp_server):
    delivery = queue("email", subject="Hello")
    type(delivery).objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.FAILED, error_code="ambiguous"
    )
    assert reconcile.reconcile(now=timezone.now() + LATER) == {}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED


def test_the_scheduler_runs_it(queue, twilio_standin):
    assert ("reconcile ambiguous deliveries", reconcile.reconcile_deliveries) in scheduler.STEPS
    ambiguous(queue, twilio_standin, Reply(500, creates=True))
    assert scheduler.tick() == 1


def test_the_command_says_what_it_settled(queue, twilio_standin, capsys):
    ambiguous(
        queue, twilio_standin, Reply(500, creates=True), body="Riverside Clinic: http://x/s/one"
    )
    ambiguous(queue, twilio_standin, Reply(500), body="Riverside Clinic: http://x/s/two")
    call_command("reconcile-deliveries")
    out = capsys.readouterr().out
    assert "Sent according to Twilio: 1." in out and "Failed according to Twilio: 0." in out
    assert "Still unknown (too recent or Twilio unreachable): 1." in out


def test_the_command_refuses_without_twilio(queue, twilio_standin, settings):
    ambiguous(queue, twilio_standin, Reply(500))
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(
        CommandError, match="1 ambiguous text messages, but Twilio is not configured"
    ):
        call_command("reconcile-deliveries")
