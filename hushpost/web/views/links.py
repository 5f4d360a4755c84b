"""A contact's secure links: staff revoke one, or all of them at once (POST
after a confirm page); admins unlock a locked one, saying why."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hushpost.contacts.models import Contact
from hushpost.messaging.links import link_state
from hushpost.messaging.revocation import find_org_link, live_links, revoke_all_links, revoke_link
from hushpost.messaging.unlocking import UnlockRefused, unlock_link
from hushpost.web.decorators import admin_required, staff_required


def _back(contact) -> str:
    return reverse("web:contact_detail", args=[contact.pk]) + "#links"


@staff_required
def revoke_all(request, contact_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    if request.method == "POST":
        count = revoke_all_links(contact, actor=request.user)
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d link of %(name)s revoked: it no longer opens the conversation.",
                    "%(count)d links of %(name)s revoked: they no longer open the conversation.",
                    count,
                )
                % {"count": count, "name": contact.name},
            )
        else:
            messages.info(
                request, _("%(name)s had no links left to revoke.") % {"name": contact.name}
            )
        return redirect(_back(contact))
    context = {"nav": "contacts", "contact": contact, "count": live_links(contact).count()}
    return render(request, "web/links/revoke_all.html", context)


@staff_required
def revoke_one(request, contact_id, link_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    link = find_org_link(request.org, link_id)
    if link is None or link.contact_id != contact.pk:
        raise Http404(_("No such link."))
    if request.method == "POST":
        if revoke_link(link, actor=request.user):
            messages.success(
                request,
                f"The link of {link.created_at:%Y-%m-%d %H:%M} is revoked: it no longer opens "
                "the conversation.",
            )
        return redirect(_back(contact))
    context = {"nav": "contacts", "contact": contact, "link": link, "state": link_state(link)}
    return render(request, "web/links/revoke_one.html", context)


@admin_required
def unlock_one(request, contact_id, link_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    link = find_org_link(request.org, link_id)
    if link is None or link.contact_id != contact.pk:
        raise Http404(_("No such link."))
    error = ""
    reason = request.POST.get("reason", "")
    if request.method == "POST":
        try:
            unlock_link(link, reason=reason, actor=request.user)
        except UnlockRefused as refusal:
            error = str(refusal)
        else:
            messages.success(
                request,
                f"The link of {link.created_at:%Y-%m-%d %H:%M} is unlocked: {contact.name} "
                "can enter the PIN again.",
            )
            return redirect(_back(contact))
    context = {
        "nav": "contacts",
        "contact": contact,
        "link": link,
        "state": link_state(link),
        "reason": reason,
        "error": error,
    }
    return render(request, "web/links/unlock_one.html", context, status=400 if error else 200)
