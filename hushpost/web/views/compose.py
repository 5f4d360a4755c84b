"""Compose (R4): pick contacts, write, preview for one of them, send; then follow the send."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from hushpost.appointments.models import Appointment
from hushpost.appointments.template_fields import (
    APPOINTMENT_FIELD_HELP,
    APPOINTMENT_FIELDS,
    appointment_context,
    as_recipient,
)
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel
from hushpost.messaging import audience as audiences
from hushpost.messaging.attachment_uploads import request_too_large
from hushpost.messaging.compose import ComposeError, send_message
from hushpost.messaging.fan_out import send_to_group
from hushpost.messaging.models import Origin, SecureMessagingSettings
from hushpost.messaging.template_fields import message_spec
from hushpost.web.compose_forms import ComposeForm, chosen_ids, uploads_in_memory
from hushpost.web.compose_groups import chosen_group, group_audience
from hushpost.web.compose_preview import compose_preview, pick
from hushpost.web.decorators import staff_required
from hushpost.web.field_lists import described
from hushpost.web.preview_masking import masks_for

CONTACTS_PAGE_SIZE = 20
APPOINTMENT_EXTRA = {"appointment": APPOINTMENT_FIELDS}
MAX_APPOINTMENTS = 500


def chosen_appointments(request, params) -> list[Appointment]:
    """The appointments chosen as recipients (`appointments=<id>`), this
    organization's only, in order."""
    ids = chosen_ids(params.getlist("appointments"))[:MAX_APPOINTMENTS]
    if not ids:
        return []
    found = (
        Appointment.objects.for_org(request.org)
        .select_related("contact__organization", "staff")
        .in_bulk(ids)
    )
    return [found[appointment_id] for appointment_id in ids if appointment_id in found]


def _form_kwargs(appointments) -> dict:
    return {
        "appointments": appointments,
        "extra_fields": APPOINTMENT_EXTRA if appointments else None,
    }


@uploads_in_memory
@staff_required
def compose(request):
    if request.method != "POST":
        enabled = SecureMessagingSettings.objects.for_org(request.org).enabled
        ids = chosen_ids(request.GET.getlist("contacts"))
        appointments = chosen_appointments(request, request.GET)
        initial = {"channel": Channel.SMS, "secure": enabled, "contacts": ids}
        form = ComposeForm(organization=request.org, initial=initial, **_form_kwargs(appointments))
        return render(
            request, "web/compose/compose.html", _context(request, form, ids, request.GET)
        )

    action = "search" if "contact_page" in request.POST else request.POST.get("action", "send")
    appointments = chosen_appointments(request, request.POST)
    form = ComposeForm(
        request.POST,
        request.FILES,
        organization=request.org,
        validate=action == "send",
        too_large=request_too_large(request),
        **_form_kwargs(appointments),
    )
    if action == "send" and form.is_valid() and form.audience is not None:
        data = form.cleaned_data
        try:
            send = send_to_group(
                request.org,
                form.audience,
                channel=data["channel"],
                secure=data["secure"],
                body=data["body"],
                subject=data["subject"],
                pin=data["pin"],
                attachments=form.new_attachments,
                sender=request.user,
                origin=Origin.COMPOSE,
                notify_when_viewed=data["notify_when_viewed"],
            )
        except ComposeError as error:  # settings changed since the form was checked
            form.add_problems(error.problems)
        else:
            return redirect("web:send_detail", send_id=send.pk)
    elif action == "send" and form.is_valid():
        data = form.cleaned_data
        # Each appointment is a recipient of its own, with its fields: one contact
        # with two appointments gets two messages, each about its own.
        recipients = [as_recipient(appointment) for appointment in appointments]
        try:
            result = send_message(
                request.org,
                contacts=list(data["contacts"]),
                recipients=recipients,
                channel=data["channel"],
                secure=data["secure"],
                body=data["body"],
                subject=data["subject"],
                pin=data["pin"],
                notify_when_viewed=data["notify_when_viewed"],
                attachments=form.new_attachments,
                sender=request.user,
                origin=Origin.COMPOSE,
                extra_fields=form.extra_fields,
            )
        except ComposeError as error:  # settings changed since the form was checked
            form.add_problems(error.problems)
        else:
            return redirect("web:send_detail", send_id=result.send.pk)
    ids = chosen_ids(request.POST.getlist("contacts"))
    return render(
        request,
        "web/compose/compose.html",
        _context(request, form, ids, request.POST, action=action),
    )


@uploads_in_memory
@staff_required
@require_POST
def compose_preview_view(request):
    """What htmx asks for as the form is typed in; without htmx, the whole page."""
    form = ComposeForm(
        request.POST,
        organization=request.org,
        validate=False,
        **_form_kwargs(chosen_appointments(request, request.POST)),
    )
    ids = chosen_ids(request.POST.getlist("contacts"))
    context = _context(request, form, ids, request.POST, action="preview")
    return render(
        request,
        "web/compose/_preview.html" if request.htmx else "web/compose/compose.html",
        context,
    )


def _context(request, form: ComposeForm, ids, params, *, action: str = "") -> dict:
    chosen = _in_order(Contact.objects.for_org(request.org).filter(pk__in=ids), ids)
    query = (params.get("q") or "").strip()
    matches = (
        Contact.objects.for_org(request.org).search(query).exclude(pk__in=[c.pk for c in chosen])
    )
    contacts_page = Paginator(matches, CONTACTS_PAGE_SIZE).get_page(params.get("contact_page"))
    typed = form.typed()
    appointments = form.appointments
    preview = appointment = None
    audience, _, group_problem = group_audience(request.org, params)
    if audience is not None and (typed["body"].strip() or action == "preview"):
        # A group's preview is for its first recipient, as they will get it.
        first = audiences.load(request.org, audience.kind, audience.ids[:1])
        preview = compose_preview(
            request.org,
            request.user,
            first[0].contact if first else None,
            **typed,
            extra_context=first[0].context if first else None,
            extra_fields=audiences.extra_fields_of(audience.kind),
        )
    elif typed["body"].strip() or action == "preview":
        wanted = params.get("preview_contact") or ""
        appointment = next((a for a in appointments if str(a.pk) == wanted), None)
        if appointment is None and appointments and not any(str(c.pk) == wanted for c in chosen):
            appointment = appointments[0]
        if appointment is not None:
            preview = compose_preview(
                request.org,
                request.user,
                appointment.contact,
                **typed,
                extra_context=appointment_context(appointment),
                extra_fields=APPOINTMENT_EXTRA,
            )
        else:
            recipient = pick(request.org, chosen, params.get("preview_contact"))
            preview = compose_preview(
                request.org, request.user, recipient, **typed, extra_fields=form.extra_fields
            )
    real = preview.contact if preview is not None and not preview.sample_contact else None
    pins = [preview.pin.pin] if preview is not None and preview.pin and preview.pin.pin else []
    mask_values, revealed = masks_for(request, real, pins=pins, where="compose preview")
    return {
        "nav": "compose",
        "form": form,
        "group": chosen_group(params),
        "group_count": len(audience) if audience is not None else None,
        "group_problem": group_problem,
        "typed": typed,
        "mask_values": mask_values,
        "revealed": revealed,
        "can_reveal": bool(mask_values),
        "compose_preview_url": reverse("web:compose_preview"),
        "chosen": chosen,
        "chosen_appointments": appointments,
        "preview_appointment": appointment,
        "q": query,
        "contacts_page": contacts_page,
        "has_contacts": Contact.objects.for_org(request.org).exists(),
        "preview": preview,
        "fields": described(message_spec(request.org).names()),
        "appointment_fields": [
            (f"appointment.{name}", text) for name, text in APPOINTMENT_FIELD_HELP.items()
        ]
        if appointments
        else [],
        "secure_enabled": SecureMessagingSettings.objects.for_org(request.org).enabled,
        # A browser can't put files back into a file input: say so rather than lose them quietly.
        "files_dropped": bool(request.FILES) and (action != "send" or bool(form.errors)),
    }


def _in_order(contacts, ids) -> list[Contact]:
    by_id = {contact.pk: contact for contact in contacts}
    return [by_id[contact_id] for contact_id in ids if contact_id in by_id]
