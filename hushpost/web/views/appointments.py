"""Appointments: a day, an agenda of the next days or a week grid, with filters; create,
edit (reschedule), cancel, delete, and the appointment's page with its message schedule.
Imports are web.views.imports."""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hushpost.activity.models import Event
from hushpost.appointments.agenda import (
    agenda,
    confirmation,
    filtered,
    next_day_with_appointments,
)
from hushpost.appointments.answers import confirm_by_staff
from hushpost.appointments.models import Appointment, AppointmentStatus
from hushpost.appointments.schedule import past_sends, upcoming_sends
from hushpost.appointments.services import (
    AppointmentInvalid,
    cancel_appointment,
    delete_appointment,
    save_appointment,
)
from hushpost.web.appointment_forms import AppointmentForm, ListFilters
from hushpost.web.decorators import staff_required
from hushpost.web.event_sentences import describe_events, prepare

# How many days each view shows from its first day.
VIEW_DAYS = {"day": 1, "agenda": 14, "week": 7}
VIEW_NAMES = {"day": _("Day"), "agenda": _("Agenda"), "week": _("Week")}


def _first_day(view: str, day: date) -> date:
    return day - timedelta(days=day.weekday()) if view == "week" else day


@staff_required
def appointment_list(request):
    filters = ListFilters(request.GET or None, organization=request.org)
    data = filters.cleaned_data if filters.is_valid() else {}
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    view = data.get("view") or "day"
    days = VIEW_DAYS[view]
    first = _first_day(view, data.get("date") or today)
    chosen = filtered(request.org, staff=data.get("staff") or "", status=data.get("status") or "")
    agenda_days = agenda(chosen, first, days, zone)
    count = sum(len(d.items) for d in agenda_days)
    last_day = first + timedelta(days=days - 1)

    def link(target_day, target_view=view):
        params = {"date": target_day.isoformat(), "view": target_view}
        for name in ("status", "staff"):
            if request.GET.get(name):
                params[name] = request.GET[name]
        return "?" + urlencode(params)

    step = 7 if view == "week" else days
    context = {
        "nav": "appointments",
        "filters": filters,
        "filtered": bool(data.get("status") or data.get("staff")),
        "agenda_days": [(d, link(d.day, "day")) for d in agenda_days],
        "busy_days": [d for d in agenda_days if d.items],
        "count": count,
        "view": view,
        "views": [(name, VIEW_NAMES[name], link(first, name)) for name in VIEW_DAYS],
        "day": first,
        "last_day": last_day,
        "today": today,
        "next_day": None if count else next_day_with_appointments(chosen, last_day, zone),
        "previous_url": link(first - timedelta(days=step)),
        "next_url": link(first + timedelta(days=step)),
        "today_url": link(today),
    }
    if context["next_day"]:
        context["next_day_url"] = link(context["next_day"][0], "day")
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
            messages.success(
                request, _("Appointment added.") if created else _("Appointment saved.")
            )
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
    history = prepare(
        Event.objects.for_org(request.org).filter(detail__appointment_id=str(appointment.pk))
    )[:50]
    context = {
        "nav": "appointments",
        "appointment": appointment,
        "confirmation": confirmation(appointment),
        # An overdue send (the scheduler was down) says so instead of "Waiting".
        "upcoming": [(due, due.due_at <= timezone.now()) for due in upcoming_sends(appointment)],
        "went_out": went_out,
        "lines": describe_events(history, show_contact=False),
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
    messages.success(request, _("Appointment cancelled; its reminders won't go out."))
    return redirect("web:appointment_detail", appointment_id=appointment.pk)


@staff_required
def appointment_confirm(request, appointment_id):
    """Staff confirm for the contact (they called, they said so at the desk)."""
    appointment = _find(request, appointment_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if appointment.status != AppointmentStatus.CANCELLED:
        confirm_by_staff(appointment, request.user)
        messages.success(request, _("Appointment confirmed."))
    return redirect("web:appointment_detail", appointment_id=appointment.pk)


@staff_required
def appointment_delete(request, appointment_id):
    appointment = _find(request, appointment_id)
    if request.method == "POST":
        day = timezone.localtime(appointment.start).date()
        delete_appointment(appointment, actor=request.user)
        messages.success(request, _("Appointment deleted."))
        return redirect(f"{_list_url()}?{urlencode({'date': day.isoformat()})}")
    return render(
        request, "web/appointments/delete.html", {"nav": "appointments", "appointment": appointment}
    )


def _list_url() -> str:
    from django.urls import reverse

    return reverse("web:appointments")
