"""/appointments: the contract's fields, upsert by external id, the
schedule's sends, problem JSON."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import Appointment, AutoMessage, DueSend
from tests.api.helpers import assert_problem, field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def reminder(org_a):
    return AutoMessage.objects.create(
        organization=org_a,
        channel="sms",
        timing="before_start",
        offset_minutes=60,
        body="Reminder: {{ appointment.start_time }}",
    )


def body(contact, **changes):
    data = {
        "contact_id": str(contact.pk),
        "start": "2031-03-04T09:30:00-05:00",
        "end": "2031-03-04T10:00:00-05:00",
        "title": "Check-up",
        "location": "Room 2",
        "staff_email": "",
        "status": "scheduled",
        "external_id": "",
    }
    return {**data, **changes}


def test_create_get_list_and_the_contract_fields(api, dana, alice):
    created = api.post(
        "appointments", body(dana, staff_email="ALICE@riverside.example", external_id="EHR-7")
    )
    assert created.status_code == 201, created.content
    item = created.json()
    assert set(item) == {
        "id",
        "contact_id",
        "start",
        "end",
        "title",
        "location",
        "staff_email",
        "status",
        "confirmed_by",
        "confirmed_at",
        "answered_via",
        "external_id",
    }
    assert item["confirmed_by"] == "" and item["confirmed_at"] is None
    assert (
        item["start"] == "2031-03-04T09:30:00-05:00"
        and item["staff_email"] == "alice@riverside.example"
    )
    assert api.get(f"appointments/{item['id']}").json() == item
    listed = api.get(
        "appointments", {"from": "2031-03-04T00:00:00Z", "to": "2031-03-05T00:00:00Z"}
    ).json()
    assert listed == {"items": [item], "count": 1}
    assert api.get("appointments", {"status": "cancelled"}).json()["count"] == 0
    assert api.get("appointments", {"contact_id": str(dana.pk)}).json()["count"] == 1
    assert (
        Event.objects.get(kind=EventKind.APPOINTMENT_CREATED).actor_label == "api: Booking system"
    )


def test_a_confirmation_through_the_api_is_staffs_and_is_logged(api, dana):
    item = api.post("appointments", body(dana)).json()
    confirmed = api.put(f"appointments/{item['id']}", body(dana, status="confirmed")).json()
    assert (confirmed["status"], confirmed["confirmed_by"], confirmed["answered_via"]) == (
        "confirmed",
        "staff",
        "api",
    )
    assert confirmed["confirmed_at"] is not None
    event = Event.objects.get(kind=EventKind.APPOINTMENT_CONFIRMED)
    assert event.detail["confirmed_by"] == "staff" and event.detail["channel"] == "api"
    events = api.get("events", {"kind": "appointment_confirmed"}).json()
    assert events["count"] == 1
    again = api.put(f"appointments/{item['id']}", body(dana, status="scheduled")).json()
    assert (again["confirmed_by"], again["confirmed_at"], again["answered_via"]) == ("", None, "")


def test_cant_come_is_a_status_the_api_lists(api, dana):
    item = api.post("appointments", body(dana, status="cancel_requested")).json()
    assert item["status"] == "cancel_requested"
    assert api.get("appointments", {"status": "cancel_requested"}).json()["count"] == 1


def test_refusals_name_their_fields(api, dana):
    errors = field_errors(api.post("appointments", body(dana, end="2031-03-04T09:00:00-05:00")))
    assert errors == {"end": "The end must be after the start."}
    errors = field_errors(
        api.post("appointments", body(dana, start="2031-03-04T09:30:00", staff_email="x@y.example"))
    )
    assert set(errors) == {"start", "staff_email"}
    errors = field_errors(
        api.post("appointments", body(dana, contact_id="00000000-0000-0000-0000-00000000abcd"))
    )
    assert set(errors) == {"contact_id"}
    assert field_errors(api.post("appointments", body(dana, status="maybe")))
    api.post("appointments", body(dana, external_id="X1"))
    errors = field_errors(api.post("appointments", body(dana, external_id="X1")))
    assert "external id “X1”" in errors["external_id"]
    assert Appointment.objects.count() == 1


def test_put_reschedules_and_delete_removes(api, dana, reminder):
    item = api.post("appointments", body(dana)).json()
    assert (
        api.get(f"appointments/{item['id']}/sends")
        .json()["items"][0]["due_at"]
        .startswith("2031-03-04T13:30")
    )
    moved = api.put(
        f"appointments/{item['id']}",
        body(dana, start="2031-03-05T09:30:00-05:00", end="2031-03-05T10:00:00-05:00"),
    )
    assert moved.status_code == 200 and moved.json()["start"] == "2031-03-05T09:30:00-05:00"
    sends = api.get(f"appointments/{item['id']}/sends").json()
    assert sends["count"] == 1
    assert sends["items"][0] == {
        "auto_message_id": reminder.pk,
        "due_at": sends["items"][0]["due_at"],
        "status": "pending",
        "delivery_id": None,
        "reason": "",
    }
    assert sends["items"][0]["due_at"].startswith("2031-03-05T13:30")
    assert api.delete(f"appointments/{item['id']}").status_code == 204
    assert_problem(api.get(f"appointments/{item['id']}"), 404)
    assert not DueSend.objects.exists()


def test_upsert_by_external_id_creates_then_updates(api, dana):
    first = api.put("appointments/by-external-id/EHR-42", body(dana))
    assert first.status_code == 201 and first.json()["external_id"] == "EHR-42"
    second = api.put(
        "appointments/by-external-id/EHR-42", body(dana, title="Follow-up", status="confirmed")
    )
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"] and second.json()["title"] == "Follow-up"
    again = api.put(
        "appointments/by-external-id/EHR-42", body(dana, title="Follow-up", status="confirmed")
    )
    assert again.status_code == 200 and again.json() == second.json()
    assert Appointment.objects.count() == 1
    kinds = list(
        Event.objects.filter(kind__startswith="appointment")
        .order_by("id")
        .values_list("kind", flat=True)
    )
    # The change that confirms is logged as the confirmation.
    assert kinds == [EventKind.APPOINTMENT_CREATED, EventKind.APPOINTMENT_CONFIRMED]


def test_other_organizations_appointments_are_404(api, api_b, hidden, dana):
    theirs = api_b.post("appointments", body(hidden, external_id="SECRET")).json()
    assert_problem(api.get(f"appointments/{theirs['id']}"), 404)
    assert_problem(api.get(f"appointments/{theirs['id']}/sends"), 404)
    assert_problem(api.get("appointments", {"contact_id": str(hidden.pk)}), 404)
    assert api.get("appointments").json()["count"] == 0
    # Their external id is not ours: an upsert makes our own appointment.
    assert api.put("appointments/by-external-id/SECRET", body(dana)).status_code == 201
    assert Appointment.objects.filter(external_id="SECRET").count() == 2


def test_an_appointment_created_after_it_started_sends_nothing(api, dana, reminder, org_a):
    from hushpost.appointments.schedule import send_due
    from hushpost.delivery.models import Delivery

    AutoMessage.objects.create(
        organization=org_a, channel="sms", timing="booked", offset_minutes=0, body="Booked"
    )
    created = api.post(
        "appointments",
        body(dana, start="2024-05-06T09:30:00-04:00", end="2024-05-06T10:00:00-04:00"),
    )
    assert created.status_code == 201
    sends = api.get(f"appointments/{created.json()['id']}/sends").json()["items"]
    assert [s["status"] for s in sends] == ["skipped", "skipped"]
    assert all("history never triggers messages" in s["reason"] for s in sends)
    send_due()
    assert not Delivery.objects.exists()
