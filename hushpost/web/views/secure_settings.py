"""Messaging settings (R1): the five settings, validated on save, with a live preview."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.secure_settings import (
    PREVIEW_CONTACT_LIMIT,
    SettingsInvalid,
    SettingsValues,
    preview,
    preview_contact,
    preview_contacts,
    save_settings,
)
from hushpost.messaging.template_fields import contact_spec, notification_spec
from hushpost.messaging.template_warnings import sensitive_fields_in
from hushpost.web.decorators import staff_required
from hushpost.web.field_lists import described
from hushpost.web.preview_masking import masks_for
from hushpost.web.settings_forms import SecureSettingsForm


def _form(request) -> SecureSettingsForm:
    saved = SettingsValues.of(SecureMessagingSettings.objects.for_org(request.org))
    data = request.POST if request.method == "POST" else None
    return SecureSettingsForm(
        data, organization=request.org, saved=saved, editable=request.user.is_org_admin
    )


def _context(request, form: SecureSettingsForm) -> dict:
    contacts = preview_contacts(request.org)
    chosen = preview_contact(
        request.org, request.POST.get("preview_contact") or request.GET.get("contact"), contacts
    )
    typed = form.typed_values()
    shown = preview(request.org, request.user, typed, chosen)
    pins = [shown.pin.pin] if shown.pin and shown.pin.pin else []
    mask_values, revealed = masks_for(
        request,
        None if shown.sample_contact else shown.contact,
        pins=pins,
        where="settings preview",
    )
    return {
        "nav": "secure_settings",
        "form": form,
        "contacts": contacts,
        "contact_limit": PREVIEW_CONTACT_LIMIT,
        "notification_fields": described(notification_spec(request.org).names()),
        "pin_fields": described(contact_spec(request.org).names()),
        "preview": shown,
        "template_warnings": sensitive_fields_in(request.org, [typed.subject, typed.body]),
        "mask_values": mask_values,
        "revealed": revealed,
        "can_reveal": bool(mask_values),
        "preview_url": reverse("web:secure_settings_preview"),
    }


@staff_required
def secure_settings(request):
    form = _form(request)
    if request.method == "POST" and request.POST.get("action") != "preview":
        if not form.editable:
            raise PermissionDenied(_("Only owners and admins can change Messaging settings."))
        if form.is_valid():
            try:
                changed = save_settings(request.org, request.user, form.typed_values())
            except SettingsInvalid as error:  # a field went away since the form was checked
                form.add_problems(error.problems)
            else:
                messages.success(
                    request,
                    _("Messaging settings saved.")
                    if changed
                    else _("Nothing to save: no setting changed."),
                )
                contact = request.POST.get("preview_contact", "")
                return redirect(
                    reverse("web:secure_settings")
                    + (f"?{urlencode({'contact': contact})}" if contact else "")
                )
    return render(request, "web/settings/secure.html", _context(request, form))


@staff_required
@require_POST
def secure_settings_preview(request):
    """What htmx asks for as the form is typed in; without htmx, the whole page."""
    template = "web/settings/_preview.html" if request.htmx else "web/settings/secure.html"
    return render(request, template, _context(request, _form(request)))
