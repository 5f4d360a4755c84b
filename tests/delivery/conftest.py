"""Deliveries to jane, a contact of Riverside Clinic with a phone and an email."""

from __future__ import annotations

import itertools

import pytest
from django.db import transaction
from django.utils import timezone

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery
from hushpost.delivery.send import queue_delivery, send_delivery

NOTIFICATION = (
    "Riverside Clinic sent you a secure message: "
    "http://127.0.0.1:8000/s/Tk3n-abc_123 (PIN required)"
)
_keys = itertools.count(1)


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(
        organization=org_a, name="Jane Doe", phone="+14155550100", email="jane@example.com"
    )


@pytest.fixture
def queue(jane):
    """queue_delivery for jane with sensible defaults, inside a transaction as callers do."""

    def make(
        channel="sms", *, to=None, subject="", body=NOTIFICATION, key=None, **extra
    ) -> Delivery:
        to = to if to is not None else (jane.email if channel == "email" else jane.phone)
        with transaction.atomic():
            return queue_delivery(
                organization=jane.organization,
                contact=jane,
                channel=channel,
                to=to,
                subject=subject,
                body=body,
                idempotency_key=key or f"test:{next(_keys)}",
                **extra,
            )

    return make


def make_due(delivery: Delivery) -> None:
    """Skip the backoff wait (the retry time is checked separately)."""
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())


def attempt(delivery: Delivery) -> Delivery:
    """One send attempt, then the delivery as it stands after it."""
    send_delivery(delivery.pk)
    delivery.refresh_from_db()
    return delivery
