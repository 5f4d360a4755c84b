"""Contacts: list with search and paging, create, edit, delete, and the contact's page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from hushpost.activity.models import Event
from hushpost.contacts.models import Contact, CustomField
from hushpost.contacts.services import delete_contact, save_contact
from hushpost.messaging.revocation import listed_links
from hushpost.web.contact_forms import ContactForm
from hushpost.web.decorators import staff_required

PAGE_SIZE = 50


@staff_required
def contact_list(request):
    query = request.GET.get("q", "")
    contacts = Contact.objects.for_org(request.org).search(query)
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/contacts/list.html", {"nav": "contacts", "page": page, "q": query})


@staff_required
def contact_detail(request, contact_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    fields = CustomField.objects.for_org(request.org)
    custom = [(field, contact.custom.get(field.key, "")) for field in fields]
    events = (
        Event.objects.for_org(request.org).filter(contact=contact).select_related("actor")[:100]
    )
    context = {
        "nav": "contacts",
        "contact": contact,
        "custom": custom,
        "events": events,
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
