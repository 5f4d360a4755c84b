"""The demo organization that `hushpost run` creates on an empty database."""

from __future__ import annotations

import os
import secrets
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hushpost.accounts.models import Organization, Role, User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.appointments.answer_words import Said
from hushpost.appointments.answers import answer
from hushpost.appointments.models import AnswerChannel, Appointment, AutoMessage, Timing
from hushpost.appointments.schedule import send_due, sync_appointment
from hushpost.contacts.models import Contact, CustomField, FieldType
from hushpost.messaging.compose import send_message
from hushpost.messaging.conversations import receive_reply
from hushpost.messaging.inbound import store_reply
from hushpost.messaging.models import Origin, SecureMessagingSettings

DEMO_SLUG = "demo"
DEMO_EMAIL = "demo@example.com"

# key, label, type, sensitive (encrypted at rest like message bodies)
FIELDS = [
    ("patient_number", "Patient number", FieldType.TEXT, False),
    ("date_of_birth", "Date of birth", FieldType.DATE, True),
    ("portal_pin", "Portal PIN", FieldType.TEXT, True),
]

CONTACTS = [
    # name, phone, email, time zone, language, custom, own PIN
    (
        "Jane Roe",
        "+14155550101",
        "jane.roe@example.com",
        "America/Los_Angeles",
        "en",
        {"patient_number": "P-1001", "date_of_birth": "1984-03-02", "portal_pin": "7316"},
        "",
    ),
    (
        "Marco Silva",
        "+14155550102",
        "marco.silva@example.com",
        "",
        "pt",
        {"patient_number": "P-1002", "date_of_birth": "1991-11-20", "portal_pin": "2058"},
        "",
    ),
    ("Amira Haddad", "+14155550103", "", "", "ar", {"patient_number": "P-1003"}, "4471"),
    (
        "Sam Okafor",
        "",
        "sam.okafor@example.com",
        "America/Chicago",
        "en",
        {"patient_number": "P-1004", "portal_pin": "9902"},
        "",
    ),
    ("Lena Fischer", "+14155550105", "lena.fischer@example.com", "Europe/Berlin", "de", {}, ""),
]


def _password_file() -> Path:
    return Path(settings.DATA_DIR) / "demo-password"


def _remember_password(password: str) -> None:
    path = _password_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")


@transaction.atomic
def ensure_demo() -> bool:
    """Create the demo organization if the database has no organization. True if created."""
    if Organization.objects.exists():
        return False
    org = Organization.objects.create(
        name="Demo Clinic",
        company_name="Demo Clinic",
        slug=DEMO_SLUG,
        time_zone="America/New_York",
        country="US",
        # What a stuck contact sees on every secure page, and above the PIN box.
        help_phone="+1 212 555 0100",
        help_hours="Monday to Friday, 8 am to 6 pm",
        pin_hint="The four-digit Portal PIN on your appointment card",
    )
    password = secrets.token_urlsafe(12)
    owner = User.objects.create_user(
        DEMO_EMAIL, password, first_name="Dana", last_name="Demo", organization=org, role=Role.OWNER
    )
    _remember_password(password)
    for key, label, field_type, sensitive in FIELDS:
        CustomField.objects.create(
            organization=org, key=key, label=label, field_type=field_type, sensitive=sensitive
        )
    for name, phone, email, tz, language, custom, pin in CONTACTS:
        contact = Contact(
            organization=org,
            name=name,
            phone=phone,
            email=email,
            time_zone=tz,
            language=language,
        )
        contact.custom = custom
        contact.secure_pin = pin
        contact.save()
        record(org, EventKind.CONTACT_CREATED, contact=contact, actor_label="demo set-up")
    secure = SecureMessagingSettings.objects.for_org(org)
    secure.enabled = True
    secure.default_pin = "{{ custom.portal_pin }}"
    secure.save()
    record(
        org,
        EventKind.SETTINGS_CHANGED,
        actor=owner,
        fields="enabled, default_pin",
        via="demo set-up",
    )
    _demo_schedule(org, owner)
    _demo_conversations(org, owner)
    return True


# A second staff member, so appointments can be spread over two people and one without.
COLLEAGUE = ("ray.patel@example.com", "Ray", "Patel")
OWNER, COLLEAGUE_STAFF, NOBODY = "owner", "colleague", None
# (days from today, local start, contact, title, who) — office hours over the coming days.
PLAN = [
    (0, time(9, 0), "Jane Roe", "Follow-up visit", OWNER),
    (0, time(11, 30), "Marco Silva", "Blood test", COLLEAGUE_STAFF),
    (0, time(16, 0), "Amira Haddad", "Consultation", NOBODY),
    (1, time(9, 30), "Sam Okafor", "Consultation", COLLEAGUE_STAFF),
    (1, time(14, 0), "Lena Fischer", "Physiotherapy", OWNER),
    (2, time(10, 0), "Amira Haddad", "Test results", OWNER),
    (3, time(11, 0), "Marco Silva", "Check-up", NOBODY),
    (3, time(15, 30), "Jane Roe", "Physiotherapy", COLLEAGUE_STAFF),
    (4, time(9, 0), "Lena Fischer", "Follow-up visit", NOBODY),
]
MINUTES = 30


def _demo_schedule(org: Organization, owner: User) -> None:
    """A sample message schedule and appointments in office hours over the next days.

    Appointments go to Dana, to Ray Patel, or to nobody, so the messages show
    both ways `{{ user.* }}` is filled in: a staff member's name, or the
    organization's alone. Slots that have already begun today are left out;
    tomorrow's "1 day before" reminders are due today, so they go out within
    seconds of the demo starting once that time has passed.
    """
    colleague = User(
        email=COLLEAGUE[0],
        first_name=COLLEAGUE[1],
        last_name=COLLEAGUE[2],
        organization=org,
        role=Role.MEMBER,
    )
    colleague.set_unusable_password()
    colleague.save()
    AutoMessage.objects.create(
        organization=org,
        name="Reminder 1 day before",
        channel="sms",
        timing=Timing.BEFORE_START,
        offset_minutes=24 * 60,
        secure=True,
        body="Hello {{ contact.first_name }}, a reminder of your {{ appointment.title }} on "
        "{{ appointment.start_weekday }} at {{ appointment.start_time }}, "
        "{{ appointment.location }}.",
    )
    AutoMessage.objects.create(
        organization=org,
        name="Confirmation on booking",
        channel="email",
        timing=Timing.BOOKED,
        subject="Your appointment on {{ appointment.start_date }}",
        # The time is not last: "9:30 a.m." followed by a full stop reads "a.m..".
        body="Hello {{ contact.first_name }}, your {{ appointment.title }} is booked for "
        "{{ appointment.start_weekday }}, {{ appointment.start_date }}, at "
        "{{ appointment.start_time }} ({{ appointment.location }}). "
        "Reply or call us if you need to change it.\n\n{{ user.name_and_company }}",
    )
    zone = ZoneInfo(org.time_zone)
    now = timezone.now()
    today = now.astimezone(zone).date()
    contacts = {contact.name: contact for contact in Contact.objects.for_org(org)}
    staff = {OWNER: owner, COLLEAGUE_STAFF: colleague, NOBODY: None}
    for days, at, name, title, who in PLAN:
        start = datetime.combine(today + timedelta(days=days), at, tzinfo=zone)
        if start <= now:
            continue
        appointment = Appointment.objects.create(
            organization=org,
            contact=contacts[name],
            start=start,
            end=start + timedelta(minutes=MINUTES),
            title=title,
            location="Demo Clinic, 1 Main Street",
            staff=staff[who],
        )
        sync_appointment(appointment, created=True)
    # What is already due (booking confirmations, tomorrow's reminders after their
    # hour) goes out now, as the scheduler would in its first seconds.
    send_due(timezone.now())
    # The list shows both states from the start: the first appointment's contact
    # has texted "C"; the others haven't answered yet.
    first = Appointment.objects.for_org(org).order_by("start").first()
    if first is not None:
        answer(first, Said.CONFIRM, channel=AnswerChannel.SMS)


def _demo_conversations(org: Organization, owner: User) -> None:
    """Two conversations waiting: Jane answered Dana's secure message on the
    secure page, Marco texted back, and nobody has read either yet."""
    contacts = {contact.name: contact for contact in Contact.objects.for_org(org)}
    jane = contacts["Jane Roe"]
    result = send_message(
        org,
        contacts=[jane],
        channel="sms",
        secure=True,
        body="Hello Jane, your lab results are in and everything looks normal. "
        "The full report is on this page.",
        sender=owner,
        origin=Origin.COMPOSE,
    )
    message = result.outcomes[0].message
    link = message.links.first() if message is not None else None
    assert link is not None  # a secure send to a contact with a phone: the demo's own data
    receive_reply(link=link, body="Thank you! Could I move Thursday's visit to the afternoon?")
    store_reply(
        contacts["Marco Silva"],
        body="Is there parking near the clinic?",
        sid="",
        now=timezone.now(),
    )


def demo_sign_in_lines() -> list[str]:
    if not User.objects.filter(email=DEMO_EMAIL).exists():
        return ["Sign in with a staff account of your organization."]
    path = _password_file()
    password = (
        path.read_text().strip()
        if path.exists()
        else "(not on file: `hushpost manage demo --reset-password`)"
    )
    return [f"Sign in as {DEMO_EMAIL}", f"password: {password}"]


def reset_demo_password() -> str:
    password = secrets.token_urlsafe(12)
    user = User.objects.get(email=DEMO_EMAIL)
    user.set_password(password)
    user.save(update_fields=["password"])
    _remember_password(password)
    return password
