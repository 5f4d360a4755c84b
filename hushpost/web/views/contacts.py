"""Contacts: list with search and paging, create, edit, delete, and the contact's
page, where masked values (PIN, sensitive fields) can be revealed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.activity.models import Event
from hushpost.contacts.models import Contact, CustomField
from hushpost.contacts.sensitive import UnknownValue, reveal
from hushpost.contacts.services import delete_contact, save_contact
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.pins import default_pin_fields, pin_origin
from hushpost.messaging.revocation import listed_links
from hushpost.messaging.template_fields import custom_keys
from hushpost.web.contact_forms import ContactForm
from hushpost.web.decorators import staff_required
from hushpost.web.event_sentences import describe_events, prepare

PAGE_SIZE = 50
TIMELINE_SIZE = 100


@staff_required
def contact_list(request):
    query = request.GET.get("q", "")
    contacts = Contact.objects.for_org(request.org).search(query)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    settings = SecureMessagingSettings.objects.for_org(request.org)
    keys = custom_keys(request.org)
    fields = default_pin_fields(settings.default_pin, request.org.pk)
    rows = [
        (contact, pin_origin(contact, settings, custom_keys=keys, template_fields=fields))
        for contact in page.object_list
    ]
    return render(
        request,
        "web/contacts/list.html",
        {"nav": "contacts", "page": page, "rows": rows, "q": query},
    )


@staff_required
def contact_detail(request, contact_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    return _detail(request, contact)


@staff_required
def contact_reveal(request, contact_id):
    """Show one masked value in clear: a POST, answered with the contact's page
    (never a redirect, so the value is not shown again by a later visit)."""
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    name = request.POST.get("value", "")
    try:
        value = reveal(contact, name, actor=request.user, where="contact page")
    except UnknownValue:
        messages.error(request, _("There is no such masked value on this contact."))
        return redirect("web:contact_detail", contact_id=contact.pk)
    return _detail(request, contact, revealed={name: value})


def _detail(request, contact: Contact, *, revealed: dict | None = None):
    revealed = revealed or {}
    fields = CustomField.objects.for_org(request.org)
    custom = [
        (field, contact.custom.get(field.key, ""), revealed.get(f"custom.{field.key}"))
        for field in fields
    ]
    settings = SecureMessagingSettings.objects.for_org(request.org)
    events = prepare(Event.objects.for_org(request.org).filter(contact=contact))[:TIMELINE_SIZE]
    context = {
        "nav": "contacts",
        "contact": contact,
        "custom": custom,
        "revealed_pin": revealed.get("secure_pin"),
        "pin_origin": pin_origin(contact, settings, custom_keys=custom_keys(request.org)),
        "lines": describe_events(events, with_ip=request.user.is_owner, show_contact=False),
        "links": listed_links(contact),
    }
    return render(request, "web/contacts/detail.html", context)


@staff_required
def contact_edit(request, contact_id=None):
    contact = None
    if contact_id is not None:
        contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    form = ContactForm(request.POST or None, instance=contact, organization=request.org)
    if request.method == "POST" and form.is_valid():
        created = contact is None
        saved = save_contact(
            form.save(commit=False),
            actor=request.user,
            changed=form.changed_field_names(),
            created=created,
        )
        messages.success(request, f"{saved.name} {'added' if created else 'saved'}.")
        return redirect("web:contact_detail", contact_id=saved.pk)
    return render(
        request, "web/contacts/form.html", {"nav": "contacts", "form": form, "contact": contact}
    )


@staff_required
def contact_delete(request, contact_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    if request.method == "POST":
        name = contact.name
        delete_contact(contact, actor=request.user)
        messages.success(request, f"{name} deleted.")
        return redirect("web:contact_list")
    return render(request, "web/contacts/delete.html", {"nav": "contacts", "contact": contact})
