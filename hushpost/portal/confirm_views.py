"""The contact's answer to an appointment reminder, on a page of its own (the
confirmation link) or beside the reminder on the secure page.

A GET only shows the appointment and the two buttons: mail scanners and chat
previews fetch links and must never confirm anything. The POST acts, behind
the portal's CSRF check. Both go through appointments.answers, as texts and
keypresses do.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from hushpost.appointments.answer_words import Said
from hushpost.appointments.answers import Answered, answer, answerable_by_message
from hushpost.appointments.confirm_links import appointment_for_token
from hushpost.appointments.models import AnswerChannel, Appointment
from hushpost.messaging.conversations import thread
from hushpost.portal.decorators import portal_view
from hushpost.portal.pages import not_valid, render_page
from hushpost.portal.sessions import live_session

ANSWERS = {"confirm": Said.CONFIRM, "cant_come": Said.CANT_COME}


def appointment_page(
    request: HttpRequest,
    appointment: Appointment,
    *,
    answered: Answered | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "appointment": appointment,
        "answered": answered.outcome if answered else "",
        "started": appointment.start <= timezone.now(),
        "organization": appointment.organization,
    }
    return render_page(
        request, "portal/appointment.html", context, contact=appointment.contact, status=status
    )


@portal_view
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    appointment = appointment_for_token(token)
    if appointment is None:
        return not_valid(request)
    if request.method != "POST":
        return appointment_page(request, appointment)
    said = ANSWERS.get(request.POST.get("answer", ""))
    if said is None:
        return appointment_page(request, appointment, status=400)
    answered = answer(appointment, said, channel=AnswerChannel.LINK)
    return appointment_page(request, answered.appointment, answered=answered)


@portal_view
@require_POST
def conversation_answer(request: HttpRequest) -> HttpResponse:
    """A button beside a reminder on the secure page: only for an appointment that one
    of this contact's reminders was about."""
    session = live_session(request)
    if session is None:
        return HttpResponseRedirect(reverse("portal:conversation"))
    said = ANSWERS.get(request.POST.get("answer", ""))
    wanted = request.POST.get("appointment", "")
    appointment = next(
        (
            found
            for found in answerable_by_message(list(thread(session.contact))).values()
            if str(found.pk) == wanted
        ),
        None,
    )
    if appointment is None or said is None:
        return HttpResponseRedirect(reverse("portal:conversation"))
    answered = answer(appointment, said, channel=AnswerChannel.PORTAL)
    return HttpResponseRedirect(
        reverse("portal:conversation")
        + f"?answered={answered.outcome}#appointment-{appointment.pk}"
    )
