"""The demo's message schedule reads right when the scheduler sends it, and its
appointments show both ways `{{ user.* }}` is filled in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from hushpost.appointments.models import Appointment
from hushpost.appointments.schedule import send_due
from hushpost.messaging.models import Message
from hushpost.web.demo import ensure_demo

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "now",
    [datetime(2026, 3, 2, 14, 0, tzinfo=UTC), datetime(2026, 3, 2, 22, 0, tzinfo=UTC)],
    ids=["started in the morning", "started in the evening"],
)
def test_the_demo_confirmations_never_print_a_double_full_stop(settings, tmp_path, now):
    settings.DATA_DIR = tmp_path  # where the demo keeps its password
    with time_machine.travel(now, tick=False):
        assert ensure_demo() is True
        send_due(batch=50)
    confirmations = [
        message.body
        for message in Message.objects.filter(channel="email", origin="auto").select_related(
            "contact"
        )
    ]
    # One for each booking of a contact with an email address (Amira has none), in
    # English, Portuguese and German.
    booked = Appointment.objects.exclude(contact__email="")
    assert len(confirmations) == booked.count() >= 5
    signatures = set()
    for body in confirmations:
        assert ".." not in body
        text, _, signature = body.rpartition("\n\n")
        assert text.endswith("Reply or call us if you need to change it.")
        signatures.add(signature)
    # Sent for Dana's, for Ray's, and for appointments with no staff member.
    assert signatures == {"Dana Demo at Demo Clinic", "Ray Patel at Demo Clinic", "Demo Clinic"}
    english = [body for body in confirmations if body.startswith(("Hello Sam,", "Hello Jane,"))]
    assert any(" a.m. (" in body for body in english) and any(" p.m. (" in body for body in english)


def test_the_demo_shows_a_confirmed_and_an_unconfirmed_appointment(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    with time_machine.travel(datetime(2026, 3, 2, 14, 0, tzinfo=UTC), tick=False):
        assert ensure_demo() is True
    confirmed = Appointment.objects.filter(status="confirmed", confirmed_by="contact")
    assert confirmed.count() == 1 and confirmed.get().answered_via == "sms"
    assert Appointment.objects.filter(status="scheduled").exists()
