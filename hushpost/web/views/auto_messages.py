"""Appointment auto messages (R3.2): the message schedule, with a live preview. Owners and
admins change; members read."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from hushpost.appointments.auto_messages import (
    AutoMessageInvalid,
    AutoMessageValues,
    create_auto_message,
    delete_auto_message,
    describe_timing,
    in_words,
    label,
    preview,
    set_enabled,
    template_spec,
    update_auto_message,
)
from hushpost.appointments.models import AutoMessage, DueSendStatus
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.secure_settings import (
    PREVIEW_CONTACT_LIMIT,
    preview_contact,
    preview_contacts,
)
from hushpost.messaging.template_warnings import sensitive_fields_in
from hushpost.web.auto_message_forms import AutoMessageForm
from hushpost.web.decorators import staff_required
from hushpost.web.field_lists import described
from hushpost.web.preview_masking import masks_for


def _find(request, auto_message_id) -> AutoMessage:
    return get_object_or_404(AutoMessage.objects.for_org(request.org), pk=auto_message_id)


def _must_change(request) -> None:
    if not request.user.is_org_admin:
        raise PermissionDenied(_("Only owners and admins can change auto messages."))


@staff_required
def auto_message_list(request):
    # Each previewed for a made-up contact and appointment: no one's data on the list.
    rows = [
        (
            auto,
            label(auto),
            in_words(auto),
            preview(request.org, request.user, AutoMessageValues.of(auto), None),
        )
        for auto in AutoMessage.objects.for_org(request.org)
    ]
    return render(
        request,
        "web/auto_messages/list.html",
        {
            "nav": "auto_messages",
            "rows": rows,
            "can_change": request.user.is_org_admin,
            "secure_off": not SecureMessagingSettings.objects.for_org(request.org).enabled,
        },
    )


def _form(request, auto: AutoMessage | None) -> AutoMessageForm:
    data = request.POST if request.method == "POST" else None
    saved = AutoMessageValues.of(auto) if auto is not None else None
    return AutoMessageForm(
        data, organization=request.org, saved=saved, editable=request.user.is_org_admin
    )


def _context(request, form: AutoMessageForm, auto: AutoMessage | None) -> dict:
    contacts = preview_contacts(request.org)
    chosen = preview_contact(
        request.org, request.POST.get("preview_contact") or request.GET.get("contact"), contacts
    )
    typed = form.typed_values()
    shown = preview(request.org, request.user, typed, chosen)
    mask_values, revealed = masks_for(
        request, None if shown.sample_contact else shown.contact, where="auto message preview"
    )
    return {
        "nav": "auto_messages",
        "form": form,
        "auto": auto,
        "contacts": contacts,
        "contact_limit": PREVIEW_CONTACT_LIMIT,
        "field_names": described(template_spec(request.org).names()),
        "preview": shown,
        # A secure auto message's text stays here; only a plain one travels in clear.
        "template_warnings": []
        if typed.secure
        else sensitive_fields_in(request.org, [typed.subject, typed.body]),
        "mask_values": mask_values,
        "revealed": revealed,
        "can_reveal": bool(mask_values),
        "preview_url": reverse("web:auto_message_preview_existing", args=[auto.pk])
        if auto
        else reverse("web:auto_message_preview"),
    }


@staff_required
def auto_message_edit(request, auto_message_id=None):
    auto = _find(request, auto_message_id) if auto_message_id else None
    if auto is None:
        _must_change(request)
    form = _form(request, auto)
    if request.method == "POST" and request.POST.get("action") != "preview":
        _must_change(request)
        if form.is_valid():
            try:
                if auto is None:
                    create_auto_message(request.org, request.user, form.typed_values())
                    messages.success(request, _("Auto message added."))
                else:
                    changed = update_auto_message(auto, request.user, form.typed_values())
                    messages.success(
                        request,
                        _("Auto message saved.")
                        if changed
                        else _("Nothing to save: nothing changed."),
                    )
            except AutoMessageInvalid as error:  # a field went away since the form was checked
                form.add_problems(error.problems)
            else:
                return redirect("web:auto_messages")
    return render(request, "web/auto_messages/form.html", _context(request, form, auto))


@staff_required
def auto_message_preview(request, auto_message_id=None):
    """What htmx asks for as the form is typed in; without htmx, the whole page."""
    # Another organization's id is 404 whatever the method, so look it up first.
    auto = _find(request, auto_message_id) if auto_message_id else None
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    template = "web/auto_messages/_preview.html" if request.htmx else "web/auto_messages/form.html"
    return render(request, template, _context(request, _form(request, auto), auto))


@staff_required
def auto_message_toggle(request, auto_message_id):
    auto = _find(request, auto_message_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    _must_change(request)
    enabled = request.POST.get("enabled") == "on"
    if set_enabled(auto, request.user, enabled):
        messages.success(request, f"“{label(auto)}” is {'on' if enabled else 'off'}.")
    return redirect("web:auto_messages")


@staff_required
def auto_message_delete(request, auto_message_id):
    auto = _find(request, auto_message_id)
    _must_change(request)
    if request.method == "POST":
        name = label(auto)
        delete_auto_message(auto, request.user)
        messages.success(request, f"“{name}” deleted. Nothing more will be sent from it.")
        return redirect(reverse("web:auto_messages"))
    pending = auto.due_sends.filter(status=DueSendStatus.PENDING).count()
    return render(
        request,
        "web/auto_messages/delete.html",
        {
            "nav": "auto_messages",
            "auto": auto,
            "pending": pending,
            "timing": describe_timing(auto.timing, auto.offset_minutes),
        },
    )
