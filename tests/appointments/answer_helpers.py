"""A reminded appointment for the confirmation tests: booked, its reminder due and
sent through the real channel (the Twilio stand-in, or the SMTP server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from twilio.request_validator import RequestValidator

from hushpost.appointments.models import Appointment, AutoMessage, DueSend
from hushpost.appointments.schedule import send_due, sync_appointment
from hushpost.delivery.send import send_delivery

# A Monday, 10:00 in New York (org_a's zone).
NOW = datetime(2027, 3, 1, 15, 0, tzinfo=UTC)
SMS_URL = "/webhooks/twilio/sms"


def reminder(org, channel="sms", body="Reminder: {{ appointment.start_time }}", **extra):
    return AutoMessage.objects.create(
        organization=org,
        channel=channel,
        timing="before_start",
        offset_minutes=24 * 60,
        body=body,
        **extra,
    )


def book(contact, start, minutes=30, **extra) -> Appointment:
    appointment = Appointment.objects.create(
        organization=contact.organization,
        contact=contact,
        start=start,
        end=start + timedelta(minutes=minutes),
        title="Check-up",
        location="Room 2",
        **extra,
    )
    sync_appointment(appointment, created=True)
    return appointment


def remind(clock, appointment: Appointment) -> DueSend:
    """Move the clock to the reminder's due time, send it, and come back to NOW."""
    due = DueSend.objects.filter(appointment=appointment, status="pending").first()
    assert due is not None
    clock.move_to(due.due_at)
    assert send_due() >= 1
    due.refresh_from_db()
    assert due.status == "sent", due.reason
    assert send_delivery(due.delivery_id) is True
    clock.move_to(NOW)
    return due


def text_in(client, settings, body, *, sender, sid="SM" + "7" * 32, to=None):
    """A text from `sender`, signed as Twilio signs it."""
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": sender,
        "To": to or settings.TWILIO_FROM_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.BASE_URL + SMS_URL, params
    )
    return client.post(SMS_URL, params, HTTP_X_TWILIO_SIGNATURE=signature)
