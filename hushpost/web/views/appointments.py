"""Appointments: a day or week list with filters, create, edit
(reschedule), cancel, delete, and the appointment's page with its
message schedule. Imports are web.views.imports."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from hushpost.activity.models import Event
from hushpost.appointments.models import Appointment
from hushpost.appointments.schedule import past_sends, upcoming_sends
from hushpost.appointments.services import (
    AppointmentInvalid,
    cancel_appointment,
    delete_appointment,
    save_appointment,
)
from hushpost.web.appointment_forms import AppointmentForm, ListFilters
from hushpost.web.decorators import staff_required


def _day_range(org, day, view):
    zone = ZoneInfo(org.time_zone)
    if view == "week":
        day = day - timedelta(days=day.weekday())
    days = 7 if view == "week" else 1
    first = datetime.combine(day, time.min, tzinfo=zone)
    after = datetime.combine(day + timedelta(days=days), time.min, tzinfo=zone)
    return day, days, first, after


@staff_required
def appointment_list(request):
    filters = ListFilters(request.GET or None, organization=request.org)
    data = filters.cleaned_data if filters.is_valid() else {}
    today = timezone.localdate()
    view = data.get("view") or "day"
    day, days, first, after = _day_range(request.org, data.get("date") or today, view)
    appointments = (
        Appointment.objects.for_org(request.org)
        .filter(start__gte=first, start__lt=after)
        .select_related("contact", "staff")
    )
    if data.get("status"):
        appointments = appointments.filter(status=data["status"])
    if data.get("staff"):
        appointments = appointments.filter(staff=data["staff"])

    def link(target_day):
        params = {"date": target_day.isoformat(), "view": view}
        for name in ("status", "staff"):
            if request.GET.get(name):
                params[name] = request.GET[name]
        return "?" + urlencode(params)

    context = {
        "nav": "appointments",
        "filters": filters,
        "appointments": list(appointments),
        "view": view,
        "day": day,
        "last_day": day + timedelta(days=days - 1),
        "today": today,
        "previous_url": link(day - timedelta(days=days)),
        "next_url": link(day + timedelta(days=days)),
        "today_url": link(today),
        "day_url": "?" + urlencode({"date": day.isoformat(), "view": "day"}),
        "week_url": "?" + urlencode({"date": day.isoformat(), "view": "week"}),
    }
    return render(request, "web/appointments/list.html", context)


def _find(request, appointment_id) -> Appointment:
    return get_object_or_404(
        Appointment.objects.for_org(request.org).select_related("contact", "staff", "organization"),
        pk=appointment_id,
    )


@staff_required
def appointment_edit(request, appointment_id=None):
    appointment = _find(request, appointment_id) if appointment_id is not None else None
    initial = {}
    if appointment is None:
        contact_id = request.GET.get("contact")
        if contact_id:
            initial["contact"] = contact_id
        start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        initial.update(start=start, end=start + timedelta(minutes=30))
    form = AppointmentForm(
        request.POST or None, instance=appointment, organization=request.org, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        created = appointment is None
        try:
            saved = save_appointment(
                form.save(commit=False),
                actor=request.user,
                created=created,
                changed=form.changed_data,
            )
        except AppointmentInvalid as error:
            form.add_problems(error.problems)
        else:
            messages.success(request, "Appointment added." if created else "Appointment saved.")
            return redirect("web:appointment_detail", appointment_id=saved.pk)
    return render(
        request,
        "web/appointments/form.html",
        {"nav": "appointments", "form": form, "appointment": appointment},
    )


@staff_required
def appointment_detail(request, appointment_id):
    appointment = _find(request, appointment_id)
    done = list(past_sends(appointment))
    delivery_ids = [due.delivery_id for due in done if due.delivery_id]
    delivery_events: dict = {}
    for event in (
        Event.objects.for_org(request.org)
        .filter(delivery_id__in=delivery_ids)
        .order_by("created_at", "id")
    ):
        delivery_events.setdefault(event.delivery_id, []).append(event)
    went_out = [(due, delivery_events.get(due.delivery_id, [])) for due in done]
    history = (
        Event.objects.for_org(request.org)
        .filter(detail__appointment_id=str(appointment.pk))
        .select_related("actor")[:50]
    )
    context = {
        "nav": "appointments",
        "appointment": appointment,
        # An overdue send (the scheduler was down) says so instead of "Waiting".
        "upcoming": [(due, due.due_at <= timezone.now()) for due in upcoming_sends(appointment)],
        "went_out": went_out,
        "history": history,
    }
    return render(request, "web/appointments/detail.html", context)


@staff_required
def appointment_cancel(request, appointment_id):
    appointment = _find(
        request, appointment_id
    )  # another organization's id is a 404 before anything else
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    cancel_appointment(appointment, actor=request.user)
    messages.success(request, "Appointment cancelled; its reminders won't go out.")
    return redirect("web:appointment_detail", appointment_id=appointment.pk)


@staff_required
def appointment_delete(request, appointment_id):
    appointment = _find(request, appointment_id)
    if request.method == "POST":
        day = timezone.localtime(appointment.start).date()
        delete_appointment(appointment, actor=request.user)
        messages.success(request, "Appointment deleted.")
        return redirect(f"{_list_url()}?{urlencode({'date': day.isoformat()})}")
    return render(
        request, "web/appointments/delete.html", {"nav": "appointments", "appointment": appointment}
    )


def _list_url() -> str:
    from django.urls import reverse

    return reverse("web:appointments")
