"""Staff appointment pages: the day/week list and its filters, create,
reschedule, cancel, delete, the appointment's page with its schedule, import,
and Compose with appointments as recipients."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import (
    Appointment,
    AppointmentStatus,
    AutoMessage,
    DueSend,
    DueSendStatus,
)
from hushpost.appointments.schedule import send_due
from hushpost.delivery.models import Delivery
from hushpost.imports.models import ImportRun
from hushpost.imports.pipeline import run_import
from hushpost.messaging.models import Message
from tests.api.helpers import make_contact
from tests.appointments.helpers import at, make_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(org_a):
    return make_contact(org_a)


@pytest.fixture
def rosa(org_a):
    return make_contact(
        org_a,
        "Rosa Díaz",
        phone="+14155550199",
        email="rosa@example.com",
        time_zone="Europe/Madrid",
        language="es",
    )


@pytest.fixture
def reminder(org_a):
    return AutoMessage.objects.create(
        organization=org_a,
        name="Day-before text",
        channel="sms",
        timing="before_start",
        offset_minutes=24 * 60,
        body="See you {{ appointment.start_time }}",
    )


def form_data(contact, **changes):
    return {
        "contact": str(contact.pk),
        "start": "2031-03-04T09:30",
        "end": "2031-03-04T10:00",
        "title": "Check-up",
        "location": "Room 2",
        "staff": "",
        "status": "scheduled",
        "external_id": "",
        **changes,
    }


def test_day_and_week_lists_in_the_org_zone_with_filters(alice_client, org_a, dana, rosa, alice):
    make_appointment(org_a, dana, at("2031-03-04T09:30"), title="Check-up", staff=alice)
    make_appointment(org_a, rosa, at("2031-03-06T23:30"), title="Late call", status="confirmed")
    day = alice_client.get("/appointments/", {"date": "2031-03-04"}).content.decode()
    assert "Check-up" in day and "9:30 a.m." in day and "Late call" not in day
    week = alice_client.get(
        "/appointments/", {"date": "2031-03-05", "view": "week"}
    ).content.decode()
    assert (
        "Check-up" in week and "Late call" in week and "11:30 p.m." in week
    )  # 23:30 New York, not 04:30 UTC
    confirmed = alice_client.get(
        "/appointments/", {"date": "2031-03-05", "view": "week", "status": "confirmed"}
    )
    assert (
        "Late call" in confirmed.content.decode() and "Check-up" not in confirmed.content.decode()
    )
    by_alice = alice_client.get(
        "/appointments/", {"date": "2031-03-05", "view": "week", "staff": alice.pk}
    )
    assert "Check-up" in by_alice.content.decode() and "Late call" not in by_alice.content.decode()
    assert (
        "date=2031-03-10" in week and "date=2031-02-24" in week
    )  # next and previous weeks (from Monday)


def test_create_through_the_form_in_the_org_zone(alice_client, dana, alice, reminder):
    response = alice_client.post("/appointments/new/", form_data(dana, staff=str(alice.pk)))
    appointment = Appointment.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/appointments/{appointment.pk}/"
    )
    assert appointment.start == at("2031-03-04T09:30") and appointment.staff == alice
    page = alice_client.get(response["Location"]).content.decode()
    assert (
        "What will go out when" in page
        and "Day-before text" in page
        and "Mon 3 Mar 2031, 9:30 a.m. EST" in page
    )
    assert Event.objects.filter(kind=EventKind.APPOINTMENT_CREATED, actor=alice).exists()


def test_form_refusals_at_their_fields(alice_client, org_a, dana):
    make_appointment(org_a, dana, external_id="EHR-1")
    response = alice_client.post(
        "/appointments/new/", form_data(dana, end="2031-03-04T09:00", external_id="EHR-1")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["end"] == ["The end must be after the start."]
    assert "already has the external id “EHR-1”" in errors["external_id"][0]
    assert Appointment.objects.count() == 1


def test_reschedule_moves_the_reminder(alice_client, org_a, dana, reminder):
    appointment = make_appointment(
        org_a, dana, at("2031-03-04T09:30"), title="Check-up", location="Room 2"
    )
    alice_client.post(
        f"/appointments/{appointment.pk}/edit/",
        form_data(dana, start="2031-03-10T14:00", end="2031-03-10T14:30"),
    )
    appointment.refresh_from_db()
    assert appointment.start == at("2031-03-10T14:00")
    assert DueSend.objects.get(appointment=appointment).due_at == at("2031-03-09T14:00")
    assert Event.objects.get(kind=EventKind.APPOINTMENT_UPDATED).detail["fields"] == "start, end"


def test_cancel_is_a_post_and_drops_what_was_to_go_out(alice_client, org_a, dana, reminder):
    appointment = make_appointment(org_a, dana)
    assert alice_client.get(f"/appointments/{appointment.pk}/cancel/").status_code == 405
    alice_client.post(f"/appointments/{appointment.pk}/cancel/")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert not DueSend.objects.filter(status=DueSendStatus.PENDING).exists()
    assert (
        "the appointment is cancelled"
        in alice_client.get(f"/appointments/{appointment.pk}/").content.decode()
    )


def test_delete_asks_first(alice_client, org_a, dana):
    appointment = make_appointment(org_a, dana)
    assert (
        "Delete this appointment?"
        in alice_client.get(f"/appointments/{appointment.pk}/delete/").content.decode()
    )
    assert Appointment.objects.exists()
    response = alice_client.post(f"/appointments/{appointment.pk}/delete/")
    assert response.status_code == 302 and not Appointment.objects.exists()
    assert Event.objects.filter(kind=EventKind.APPOINTMENT_DELETED).exists()


def test_what_went_out_shows_the_delivery_and_its_events(alice_client, org_a, dana, reminder):
    appointment = make_appointment(org_a, dana, at("2031-03-04T09:30"))
    send_due(at("2031-03-03T09:31"))
    page = alice_client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "What went out" in page and "Sent" in page and "Queued" in page


def test_compose_to_appointments_uses_their_fields(alice_client, org_a, dana, rosa):
    first = make_appointment(org_a, dana, at("2031-03-04T09:30"), location="Room 2")
    second = make_appointment(org_a, rosa, at("2031-03-04T11:00"), location="Room 5")
    page = alice_client.get("/compose/", {"appointments": [str(first.pk), str(second.pk)]})
    html = page.content.decode()
    assert "Appointments (2)" in html and "appointment.start_time" in html
    body = "Your visit at {{ appointment.start_time }} in {{ appointment.location }}."
    response = alice_client.post(
        "/compose/",
        {
            "appointments": [str(first.pk), str(second.pk)],
            "channel": "sms",
            "body": body,
            "subject": "",
            "pin": "",
            "action": "send",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    texts = {
        message.contact.name: message.body for message in Message.objects.select_related("contact")
    }
    assert texts == {
        "Dana Reyes": "Your visit at 9:30 a.m. in Room 2.",
        "Rosa Díaz": "Your visit at 17:00 in Room 5.",
    }
    assert Delivery.objects.count() == 2


def test_compose_two_appointments_of_one_contact_and_the_preview(alice_client, org_a, dana):
    first = make_appointment(org_a, dana, at("2031-03-04T09:30"))
    second = make_appointment(org_a, dana, at("2031-03-05T09:30"))
    body = "See you {{ appointment.start_date }}"
    preview = alice_client.post(
        "/compose/preview/",
        {
            "appointments": [str(first.pk), str(second.pk)],
            "channel": "sms",
            "body": body,
            "preview_contact": str(second.pk),
        },
    )
    assert "See you March 5, 2031" in preview.content.decode()
    alice_client.post(
        "/compose/",
        {
            "appointments": [str(first.pk), str(second.pk)],
            "channel": "sms",
            "body": body,
            "action": "send",
        },
    )
    assert sorted(m.body for m in Message.objects.all()) == [
        "See you March 4, 2031",
        "See you March 5, 2031",
    ]


def test_compose_without_appointments_refuses_their_fields(alice_client, dana):
    response = alice_client.post(
        "/compose/",
        {
            "contacts": [str(dana.pk)],
            "channel": "sms",
            "body": "At {{ appointment.start_time }}",
            "action": "send",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors["body"]
    assert not Message.objects.exists()


def test_compose_ignores_another_organizations_appointment(alice_client, org_b):
    hidden = make_contact(
        org_b, "Hidden Person", phone="+447700900123", email="hidden@harbor.example"
    )
    theirs = make_appointment(org_b, hidden, at("2031-03-04T09:30", "Europe/London"))
    html = alice_client.get("/compose/", {"appointments": str(theirs.pk)}).content.decode()
    assert "Hidden Person" not in html and "Appointments (" not in html


def test_an_appointment_import_runs_in_the_background_and_reports_each_row(alice_client, dana):
    csv = (
        b"external_id,start,end,title,email\n"
        b"A1,2031-03-04 09:30,2031-03-04 10:00,Check-up,dana@example.com\n"
        b"A2,not a date,2031-03-04 10:00,Check-up,dana@example.com\n"
    )
    response = alice_client.post(
        "/appointments/import/", {"file": SimpleUploadedFile("visits.csv", csv)}
    )
    run = ImportRun.objects.get()
    assert response["Location"] == f"/imports/{run.pk}/"
    assert run.status == "queued" and not Appointment.objects.exists()
    run_import(run.pk)
    html = alice_client.get(response["Location"]).content.decode()
    assert "<dt>Added</dt><dd>1</dd>" in html and "bad start date" in html
    assert Appointment.objects.get().external_id == "A1"


def test_import_page_refuses_a_malformed_ics(alice_client):
    response = alice_client.post(
        "/appointments/import/",
        {
            "file": SimpleUploadedFile(
                "cal.ics", b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:nonsense\n"
            )
        },
    )
    assert "not a valid iCalendar" in " ".join(response.context["form"].errors["file"])
    assert not Appointment.objects.exists() and not ImportRun.objects.exists()


def test_booking_from_the_contacts_page_chooses_the_contact(alice_client, dana):
    assert (
        f"/appointments/new/?contact={dana.pk}"
        in alice_client.get(f"/contacts/{dana.pk}/").content.decode()
    )
    form = alice_client.get("/appointments/new/", {"contact": str(dana.pk)}).context["form"]
    assert str(form["contact"].value()) == str(dana.pk)


# Monday 3 March 2031, 8:00 in New York.
MONDAY_MORNING = "2031-03-03T13:00:00+00:00"


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    client.session_user = alice
    return client


def listed(client, **params):
    import time_machine

    user = client.session_user
    with time_machine.travel(MONDAY_MORNING, tick=False):
        client.force_login(user)  # a session from today would have ended by then
        response = client.get("/appointments/", params)
    assert response.status_code == 200
    return response


def test_it_opens_on_today_and_an_empty_today_points_to_the_next_day(alice_client, org_a, dana):
    make_appointment(org_a, dana, at("2031-03-06T10:00"), title="Thursday visit")
    make_appointment(org_a, dana, at("2031-03-06T14:00"), title="Second visit")
    response = listed(alice_client)
    assert response.context["day"].isoformat() == "2031-03-03"
    html = response.content.decode()
    assert "Today, Monday 3 March 2031" in html
    assert "No appointments today." in html
    assert "The next appointments are on Thursday 6 March 2031" in html
    assert 'href="?date=2031-03-06&amp;view=day" data-next-day>2 appointments on Thu 6 Mar' in html
    day = listed(alice_client, date="2031-03-06").content.decode()
    assert "Thursday visit" in day and "Second visit" in day and "No appointments" not in day


def test_the_agenda_lists_the_next_days_with_what_went_out_and_what_is_due(
    alice_client, org_a, dana, rosa, alice, reminder
):
    make_appointment(org_a, dana, at("2031-03-04T09:30"), title="Check-up", staff=alice)
    make_appointment(org_a, rosa, at("2031-03-10T16:00"), title="Follow-up")
    make_appointment(org_a, rosa, at("2031-03-25T16:00"), title="Too far")
    html = listed(alice_client, view="agenda").content.decode()
    assert "Tuesday 4 March 2031" in html and "Monday 10 March 2031" in html
    assert "Check-up" in html and "Follow-up" in html and "Too far" not in html
    assert html.index("Check-up") < html.index("Follow-up")
    # Each row says what is due next: the day-before reminder.
    assert "Next:</span> Day-before text, <time" in html
    assert "Mon 3 Mar 2031, 9:30 a.m. EST" in html
    assert "Alice Lee" in html and "No staff member" in html


def test_each_row_shows_what_went_out(alice_client, org_a, dana, reminder):
    import time_machine

    with time_machine.travel("2031-03-02T13:00:00+00:00", tick=False):
        make_appointment(org_a, dana, at("2031-03-04T09:30"), title="Check-up")
    with time_machine.travel("2031-03-03T14:31:00+00:00", tick=False):
        send_due()
    html = listed(alice_client, date="2031-03-04").content.decode()
    assert "Sent:</span>" in html and "Day-before text" in html
    assert ">Queued<" in html  # its delivery has not gone out in this test


def test_the_week_grid_has_seven_days_from_monday(alice_client, org_a, dana, rosa):
    make_appointment(org_a, dana, at("2031-03-04T09:30"), title="Tuesday thing")
    make_appointment(org_a, rosa, at("2031-03-09T18:00"), title="Sunday thing")
    response = listed(alice_client, view="week", date="2031-03-05")
    html = response.content.decode()
    assert html.count('class="week-day') == 7
    assert "Mon 3 Mar" in html and "Sun 9 Mar" in html
    assert "Tuesday thing" in html and "Sunday thing" in html and "6:00 p.m." in html


def test_filters_by_staff_including_nobody_and_by_confirmation(
    alice_client, org_a, dana, rosa, alice
):
    make_appointment(org_a, dana, at("2031-03-04T09:30"), title="Alice's", staff=alice)
    make_appointment(
        org_a, rosa, at("2031-03-04T11:00"), title="Nobody's", status=AppointmentStatus.CONFIRMED
    )
    nobody = listed(alice_client, view="agenda", staff="none").content.decode()
    assert "Nobody&#x27;s" in nobody and "Alice&#x27;s" not in nobody
    mine = listed(alice_client, view="agenda", staff=str(alice.pk)).content.decode()
    assert "Alice&#x27;s" in mine and "Nobody&#x27;s" not in mine
    confirmed = listed(alice_client, view="agenda", status="confirmed").content.decode()
    assert "Nobody&#x27;s" in confirmed and "Alice&#x27;s" not in confirmed
    assert 'data-confirmation="confirmed">Confirmed by staff<' in confirmed
    unconfirmed = listed(alice_client, view="agenda", status="scheduled").content.decode()
    assert "Not confirmed yet" in unconfirmed and "Nobody&#x27;s" not in unconfirmed
    empty = listed(alice_client, staff="none", status="cancelled").content.decode()
    assert "No appointments today that match the filters." in empty


def test_a_past_appointment_entered_after_the_fact_shows_its_sends_skipped_with_the_reason(
    alice_client, org_a, dana, reminder
):
    AutoMessage.objects.create(
        organization=org_a, name="Booking text", channel="sms", timing="booked", body="Booked"
    )
    response = alice_client.post(
        "/appointments/new/",
        form_data(dana, start="2024-05-06T09:30", end="2024-05-06T10:00"),
    )
    page = alice_client.get(response["Location"]).content.decode()
    upcoming = page.split('id="upcoming-heading"')[1].split('id="done-heading"')[0]
    assert "Waiting" not in upcoming and "Nothing is scheduled" in upcoming
    done = page.split('id="done-heading"')[1]
    assert done.count('data-send-status="skipped"') == 2
    assert "history never triggers messages" in done
    assert not Message.objects.exists()


def test_an_overdue_send_says_it_is_due_now_not_waiting(alice_client, org_a, dana, reminder):
    from datetime import timedelta

    from django.utils import timezone

    # Booked two hours ahead: its day-before reminder is overdue until the scheduler's next round.
    appointment = make_appointment(org_a, dana, timezone.now() + timedelta(hours=2))
    page = alice_client.get(f"/appointments/{appointment.pk}/").content.decode()
    upcoming = page.split('id="upcoming-heading"')[1].split('id="done-heading"')[0]
    assert "Due now" in upcoming and "Waiting" not in upcoming
