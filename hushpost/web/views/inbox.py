"""The staff inbox: conversations by latest activity, one conversation with its
reply box, attachments."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel, DeliveryStatus
from hushpost.messaging.attachment_uploads import request_too_large
from hushpost.messaging.compose import ComposeError, send_message
from hushpost.messaging.conversations import inbox as inbox_of
from hushpost.messaging.conversations import (
    mark_read,
    open_attachment,
    served_content_type,
    thread,
)
from hushpost.messaging.models import (
    Conversation,
    Message,
    Origin,
    SecureMessagingSettings,
)
from hushpost.web.compose_forms import ReplyForm, uploads_in_memory
from hushpost.web.decorators import staff_required

PAGE_SIZE = 50


@staff_required
def inbox(request):
    unread_only = request.GET.get("unread") == "1"
    conversations = inbox_of(request.org, unread=True if unread_only else None)
    page = Paginator(conversations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "inbox",
        "page": page,
        "unread_only": unread_only,
        "unread_total": Conversation.objects.for_org(request.org)
        .filter(unread_replies__gt=0)
        .count(),
        "extra_query": "unread=1&" if unread_only else "",
    }
    return render(request, "web/inbox/list.html", context)


@uploads_in_memory
@staff_required
def conversation(request, contact_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    # Read before mark_read, so replies that were unread until now can be marked as new.
    items = list(thread(contact).select_related("send").prefetch_related("deliveries"))
    form = ReplyForm(
        request.POST or None,
        request.FILES or None,
        contact=contact,
        default_channel=default_channel(contact, items),
        too_large=request_too_large(request),
    )
    if request.method == "POST" and form.is_valid():
        channel = form.cleaned_data["channel"]
        try:
            result = send_message(
                request.org,
                contacts=[contact],
                channel=channel,
                secure=True,
                body=form.cleaned_data["body"],
                attachments=form.new_attachments,
                sender=request.user,
                origin=Origin.INBOX,
            )
        except ComposeError as error:
            form.add_problems(error.problems)
        else:
            outcome = result.outcomes[0]
            if outcome.status != DeliveryStatus.HELD:
                way = Channel(channel).label.lower()
                messages.success(
                    request, f"Your secure message to {contact.name} is on its way by {way}."
                )
                return redirect(reverse("web:conversation", args=[contact.pk]) + "#latest")
            # Held back: nothing went out and the message was not kept, so the typed
            # text stays in the form.
            form.add_error("channel", f"Not sent: {outcome.reason}.")
    existing = Conversation.objects.filter(organization=request.org, contact=contact).first()
    if existing is not None:
        mark_read(existing, user=request.user)
    context = {
        "nav": "inbox",
        "contact": contact,
        "items": items,
        "form": form,
        "secure_enabled": SecureMessagingSettings.objects.for_org(request.org).enabled,
    }
    return render(request, "web/inbox/conversation.html", context)


def default_channel(contact: Contact, items: list[Message]) -> str:
    """The channel of the last message either way, else the one the contact can be reached on."""
    for message in reversed(items):
        if message.channel in (Channel.SMS, Channel.EMAIL):
            return message.channel
    return Channel.SMS if contact.phone or not contact.email else Channel.EMAIL


@staff_required
def attachment(request, attachment_id):
    item = open_attachment(request.org, attachment_id, user=request.user)
    if item is None:
        raise Http404("No such attachment.")
    # Always a download, never shown in the page's origin: a contact chose this file.
    response = HttpResponse(item.data, content_type=served_content_type(item))
    response["Content-Disposition"] = content_disposition_header(True, item.file_name)
    return response
