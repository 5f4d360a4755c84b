"""The demo's message schedule reads right when the scheduler sends it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from hushpost.appointments.schedule import send_due
from hushpost.messaging.models import Message
from hushpost.web.demo import ensure_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 3, 2, 14, 0, tzinfo=UTC), datetime(2026, 3, 2, 22, 0, tzinfo=UTC)],
    ids=["booked for a morning", "booked for an evening"],
)
def test_the_demo_confirmations_never_print_a_double_full_stop(settings, tmp_path, now):
    settings.DATA_DIR = tmp_path  # where the demo keeps its password
    with time_machine.travel(now, tick=False):
        assert ensure_demo() is True
        send_due(batch=50)
    confirmations = [
        message.body for message in Message.objects.filter(channel="email", origin="auto")
    ]
    # Four demo contacts have an email address and a booking, in English, Portuguese and German.
    assert len(confirmations) == 4
    for body in confirmations:
        assert ".." not in body
        assert body.endswith("Reply or call us if you need to change it.")
    english = next(body for body in confirmations if body.startswith("Hello Sam,"))
    assert (" a.m. (" if now.hour == 14 else " p.m. (") in english
