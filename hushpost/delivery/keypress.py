"""Voice reminders that end with "press 1 to confirm, 2 if you can't come"."""

from __future__ import annotations

from hushpost.delivery.models import Channel, Delivery


def ask_for_keypress(delivery: Delivery) -> None:
    """Mark a queued voice call to end with the keypress question (TwiML <Gather>).
    Called in the transaction that queues it, before the worker can send it."""
    if delivery.channel == Channel.VOICE:
        Delivery.objects.filter(pk=delivery.pk).update(ask_keypress=True)
