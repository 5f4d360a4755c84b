"""Templates as Liquid writers expect: a status key to test and a word to show,
start and end as date values for Liquid's `date` filter in every contact
language, and `now` in the organization's time zone — rendered by the
scheduler as it sends, with a controllable clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hushpost.appointments.models import Appointment, AppointmentStatus, AutoMessage, Timing
from hushpost.appointments.schedule import send_due, sync_appointment
from hushpost.appointments.template_fields import (
    APPOINTMENT_FIELDS,
    appointment_context,
    fields_named,
)
from hushpost.contacts.models import Contact
from hushpost.messaging.models import Message
from hushpost.messaging.rendering import render
from hushpost.messaging.template_fields import message_context

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # Monday; 10:00 in New York (org_a), 16:00 in Madrid
START = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)  # Thursday; 9:30 in New York


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def contact(org, language: str, zone: str) -> Contact:
    return Contact.objects.create(
        organization=org,
        name=f"Contact {language}",
        phone="+14155550100",
        time_zone=zone,
        language=language,
    )


def book(person: Contact, *, status=AppointmentStatus.SCHEDULED) -> Appointment:
    appointment = Appointment.objects.create(
        organization=person.organization,
        contact=person,
        start=START,
        end=START + timedelta(minutes=45),
        title="Check-up",
        status=status,
    )
    sync_appointment(appointment, created=True)
    return appointment


def sent_by_the_scheduler(org, person: Contact, body: str, *, translations=None, **booking) -> str:
    """What a "when booked" auto message with `body` says to `person`."""
    AutoMessage.objects.create(
        organization=org,
        channel="sms",
        timing=Timing.BOOKED,
        offset_minutes=0,
        body=body,
        translations=translations or {},
    )
    book(person, **booking)
    assert send_due() == 1
    return Message.objects.get(contact=person).body


@pytest.mark.parametrize(
    ("status", "said"),
    [
        (AppointmentStatus.SCHEDULED, "Scheduled — please confirm"),
        (AppointmentStatus.CONFIRMED, "Confirmed — thank you"),
    ],
)
def test_status_is_a_stable_key_to_test_with_a_word_beside_it_to_show(org_a, status, said):
    # The same test works whatever language the contact reads.
    person = contact(org_a, "de", "Europe/Berlin")
    body = (
        "{{ appointment.status_label }} — "
        '{% if appointment.status == "confirmed" %}thank you{% else %}please confirm{% endif %}'
    )
    assert sent_by_the_scheduler(org_a, person, body, status=status) == said


@pytest.mark.parametrize(
    ("language", "zone", "said"),
    [
        ("en", "America/New_York", "Thursday 5 March 2026, 09:30 (Thu 5 Mar)"),
        ("es", "Europe/Madrid", "jueves 5 marzo 2026, 15:30 (jue 5 Mar)"),
        ("de", "Europe/Berlin", "Donnerstag 5 März 2026, 15:30 (Do 5 Mär)"),
        ("fr", "Europe/Paris", "jeudi 5 mars 2026, 15:30 (jeu 5 Mar)"),
    ],
)
def test_the_date_filter_formats_the_start_in_the_contacts_zone_and_language(
    org_a, language, zone, said
):
    person = contact(org_a, language, zone)
    body = (
        '{{ appointment.start | date: "%A %-d %B %Y, %H:%M" }} '
        '({{ appointment.start | date: "%a %-d %b" }})'
    )
    # The contact's language's own text: its dates are written in that language.
    variant = {language: {"subject": "", "body": body}} if language != "en" else None
    assert sent_by_the_scheduler(org_a, person, body, translations=variant) == said


def test_the_default_text_keeps_its_dates_in_english_for_a_contact_without_a_variant(org_a):
    # Never "Sie kommen am Donnerstag" inside an English sentence: no German text, no German date.
    person = contact(org_a, "de", "Europe/Berlin")
    body = 'See you {{ appointment.start | date: "%A %-d %B" }}, {{ appointment.start_date }}.'
    assert sent_by_the_scheduler(org_a, person, body) == (
        "See you Thursday 5 March, March 5, 2026."
    )


def test_the_text_fields_are_still_there_and_start_alone_reads_as_a_date(org_a):
    person = contact(org_a, "es", "Europe/Madrid")
    values = appointment_context(book(person))["appointment"]
    assert set(values) == APPOINTMENT_FIELDS
    assert values["start_date"] == "5 de marzo de 2026" and values["start_time"] == "15:30"
    assert render("{{ appointment.start }} – {{ appointment.end }}", {"appointment": values}) == (
        "5 de marzo de 2026 a las 15:30 – 5 de marzo de 2026 a las 16:15"
    )
    assert render('{{ appointment.end | date: "%H:%M %Z" }}', {"appointment": values}) == (
        "16:15 CET"
    )


def test_now_is_the_organizations_time_in_the_contacts_language(org_a, alice):
    # org_a is in New York; the contact lives in Madrid and reads Spanish.
    person = contact(org_a, "es", "Europe/Madrid")
    context = message_context(alice, person)
    assert render('{{ now | date: "%A %H:%M %Z" }}', context) == "lunes 10:00 EST"
    # Liquid's own "now" is the same time, not the server's (UTC here).
    assert render('{{ "now" | date: "%H:%M" }} {{ "today" | date: "%-d %B" }}', context) == (
        "10:00 2 marzo"
    )


def test_now_is_usable_in_an_auto_message(org_a, clock):
    person = contact(org_a, "en", "Europe/London")
    body = 'Booked on {{ now | date: "%B %-d at %-I:%M %p" }} for {{ appointment.start_date }}.'
    assert (
        sent_by_the_scheduler(org_a, person, body)
        == "Booked on March 2 at 10:00 AM for March 5, 2026."
    )


def test_a_format_the_filter_cannot_write_falls_back_to_the_date_itself(org_a, alice):
    person = contact(org_a, "en", "America/New_York")
    context = message_context(alice, person)
    assert render('{{ now | date: "%\ud800" }}', context) == "March 2, 2026, 10 a.m."


def test_templates_using_the_date_fields_pass_the_save_time_check(org_a):
    from hushpost.appointments.auto_messages import template_spec
    from hushpost.messaging.rendering import problems_in
    from hushpost.messaging.template_fields import notification_spec

    body = (
        '{{ appointment.start | date: "%A %-d %B" }} – {{ appointment.end | date: "%H:%M" }}, '
        '{{ appointment.status_label }} ({{ appointment.status }}), sent {{ now | date: "%x" }}'
    )
    assert problems_in(body, template_spec(org_a)) == []
    notification = 'Sent {{ "now" | date: "%-d %B" }} {{ now }}: {{ secure_link }}'
    assert problems_in(notification, notification_spec(org_a), required=["secure_link"]) == []
    assert [str(p) for p in problems_in("{{ appointment.stat }}", template_spec(org_a))] == [
        "Line 1, column 4: unknown field appointment.stat (did you mean appointment.start?)"
    ]


def test_a_contact_gets_their_languages_variant_with_its_dates_in_that_language(org_a):
    person = contact(org_a, "es", "Europe/Madrid")
    said = sent_by_the_scheduler(
        org_a,
        person,
        "See you {{ appointment.start_date }}.",
        translations={
            "es": {"subject": "", "body": "Le esperamos el {{ appointment.start_date }}."}
        },
    )
    assert said == "Le esperamos el 5 de marzo de 2026."


@pytest.mark.parametrize(
    ("templates", "named"),
    [
        (("At {{ appointment.start_time }}", ""), {"start_time"}),
        (
            ('{% if appointment.status == "confirmed" %}ok{% endif %}', "{{ appointment.title }}"),
            {"status", "title"},
        ),
        (('{{ appointment.start | date: "%A" }} {{ contact.name }}', ""), {"start"}),
        (("No fields at all.", ""), set()),
        # The whole object, or a name not among the fields (Compose refuses both before
        # saving; were one to get through, the scheduler would write every field).
        (("{% assign a = appointment %}{{ a.title }}", ""), None),
        (("{{ appointment.no_such_field }}", ""), None),
    ],
)
def test_the_scheduler_knows_which_fields_a_text_names(templates, named):
    found = fields_named(*templates)
    assert found == (None if named is None else frozenset(named))


def test_a_reminder_written_from_only_its_named_fields_reads_as_one_written_from_all(org_a):
    person = contact(org_a, "es", "Europe/Madrid")
    body = (
        '{{ appointment["location"] }} {{ appointment.start_time }}, '
        '{{ appointment.start | date: "%A" }}; {% if appointment.status == "scheduled" %}'
        "{{ appointment.status_label }}{% endif %} {{ appointment.title }}"
    )
    sent = sent_by_the_scheduler(
        org_a, person, body, translations={"es": {"subject": "", "body": body}}
    )
    everything = appointment_context(Appointment.objects.get(contact=person), "es")
    assert sent == render(body, everything)
    assert sent.startswith(" 15:30, jueves; ") and sent.endswith(" Check-up"), sent
    # Named only: the text with one date field doesn't get the others (nor the signed link).
    some = appointment_context(Appointment.objects.get(contact=person), "es", names={"start_time"})
    assert some == {"appointment": {"start_time": "15:30"}}
