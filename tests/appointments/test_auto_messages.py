"""R3.2: auto messages are checked like Messaging settings, with appointment fields, and
keep the schedule current."""

import datetime

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.auto_messages import (
    VOICE_SECURE,
    AutoMessageInvalid,
    AutoMessageValues,
    check,
    create_auto_message,
    delete_auto_message,
    describe_timing,
    preview,
    set_enabled,
    split_offset,
    to_minutes,
    update_auto_message,
)
from hushpost.appointments.models import Appointment, AutoMessage, DueSend
from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.field_settings import FieldInUse, delete_field

pytestmark = pytest.mark.django_db


def values(**overrides):
    base = dict(
        channel="sms",
        timing="before_start",
        offset_minutes=1440,
        body=(
            "Hi {{ contact.first_name }}, see you {{ appointment.start_date }} at "
            "{{ appointment.start_time }}."
        ),
    )
    return AutoMessageValues(**(base | overrides))


def test_a_good_reminder_saves_and_logs_field_names_only(org_a, alice):
    auto = create_auto_message(org_a, alice, values())
    assert auto.timing == "before_start" and auto.offset_minutes == 1440 and auto.enabled
    event = Event.objects.get(kind=EventKind.SETTINGS_CHANGED)
    assert event.detail["section"] == "auto messages" and "body" in event.detail["fields"]
    assert "see you" not in str(event.detail)


def test_template_problems_come_with_line_and_column(org_a):
    problems = check(org_a, values(body="Hello\nsee you {{ appointment.start_tim }}"))
    assert problems["body"] == [
        "Line 2, column 12: unknown field appointment.start_tim "
        "(did you mean appointment.start_time?)"
    ]
    problems = check(org_a, values(body="Hi {% if %}"))
    assert problems["body"][0].startswith("Line 1, column")


def test_voice_can_not_be_secure(org_a, alice):
    problems = check(org_a, values(channel="voice", secure=True))
    assert problems == {"secure": [VOICE_SECURE]}
    with pytest.raises(AutoMessageInvalid):
        create_auto_message(org_a, alice, values(channel="voice", secure=True))
    assert not AutoMessage.objects.exists()
    assert check(org_a, values(channel="voice")) == {}


def test_email_needs_a_subject_unless_secure_and_subject_is_checked(org_a):
    assert check(org_a, values(channel="email"))["subject"] == ["An email needs a subject."]
    assert "subject" not in check(org_a, values(channel="email", secure=True))
    assert (
        "unknown field"
        in check(org_a, values(channel="email", subject="{{ appointment.nope }}"))["subject"][0]
    )
    # A text has no subject: whatever is typed is dropped.
    auto = create_auto_message(org_a, None, values(subject="ignored"))
    assert auto.subject == ""


def test_body_is_required(org_a):
    assert check(org_a, values(body="  "))["body"] == ["Write the message."]


@pytest.mark.parametrize(
    ("timing", "offset", "ok"),
    [
        ("booked", 0, True),
        ("booked", 60, False),
        ("before_start", 0, True),
        ("after_end", 60 * 24 * 365, True),
        ("after_end", 60 * 24 * 365 + 1, False),
        ("before_start", -5, False),
        ("sometime", 0, False),
    ],
)
def test_timing_rules(org_a, timing, offset, ok):
    problems = check(org_a, values(timing=timing, offset_minutes=offset))
    assert (problems == {}) is ok, problems


def test_timing_in_words_and_units():
    assert describe_timing("booked", 0) == "when booked"
    assert describe_timing("before_start", 1440) == "1 day before the start"
    assert describe_timing("before_start", 120) == "2 hours before the start"
    assert describe_timing("after_end", 1530) == "1 day 1 hour 30 minutes after the end"
    assert describe_timing("after_end", 0) == "at the end"
    assert (
        to_minutes(2, "days") == 2880
        and split_offset(2880) == (2, "days")
        and split_offset(90) == (90, "minutes")
    )


def test_edit_retime_and_switch_keep_the_schedule_current(org_a, alice):
    contact = Contact.objects.create(organization=org_a, name="Jane Doe", phone="+14155550100")
    start = timezone.now() + datetime.timedelta(days=3)
    appointment = Appointment.objects.create(
        organization=org_a, contact=contact, start=start, end=start + datetime.timedelta(minutes=30)
    )
    auto = create_auto_message(org_a, alice, values())
    [due] = DueSend.objects.filter(auto_message=auto)
    assert due.appointment == appointment
    changed = update_auto_message(auto, alice, values(offset_minutes=120))
    assert changed == ["offset_minutes"]
    due = DueSend.objects.get(auto_message=auto)
    assert abs((start - due.due_at) - datetime.timedelta(hours=2)) < datetime.timedelta(seconds=1)
    assert update_auto_message(auto, alice, values(offset_minutes=120)) == []
    assert set_enabled(auto, alice, False)
    assert not DueSend.objects.filter(auto_message=auto).exists()
    assert set_enabled(auto, alice, True)
    assert DueSend.objects.filter(auto_message=auto).count() == 1
    delete_auto_message(auto, alice)
    assert not AutoMessage.objects.exists() and not DueSend.objects.exists()
    assert (
        Event.objects.filter(kind=EventKind.SETTINGS_CHANGED, detail__change="deleted").count() == 1
    )


def test_a_custom_field_used_by_an_auto_message_can_not_be_deleted(org_a, alice):
    field = CustomField.objects.create(organization=org_a, key="room", label="Room")
    create_auto_message(org_a, alice, values(body="Room {{ custom.room }}", name="Room reminder"))
    with pytest.raises(FieldInUse, match="Room reminder"):
        delete_field(field, actor=alice)


def test_preview_renders_for_the_contacts_next_appointment(org_a, alice):
    contact = Contact.objects.create(organization=org_a, name="Jane Doe", phone="+14155550100")
    start = timezone.now() + datetime.timedelta(days=2)
    Appointment.objects.create(
        organization=org_a, contact=contact, start=start, end=start, location="Room 4"
    )
    shown = preview(
        org_a, alice, values(body="{{ contact.first_name }} in {{ appointment.location }}"), contact
    )
    assert shown.body.text == "Jane in Room 4" and not shown.sample_appointment
    sample = preview(org_a, alice, values(body="{{ appointment.location }}"), None)
    assert (
        sample.sample_contact
        and sample.sample_appointment
        and sample.body.text == "Main Street clinic"
    )
    bad = preview(org_a, alice, values(body="{{ nope }}"), contact)
    assert bad.body.problems
