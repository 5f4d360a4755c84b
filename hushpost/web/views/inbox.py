"""The staff inbox: conversations to work through (filters, search, previews,
assignment, open/done), one conversation with its reply box and who else has
it open, attachments."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.models import User
from hushpost.appointments.agenda import cant_come, confirmation
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel, DeliveryStatus
from hushpost.messaging.attachment_uploads import request_too_large
from hushpost.messaging.compose import ComposeError, send_message
from hushpost.messaging.conversations import (
    conversation_for,
    mark_read,
    open_attachment,
    served_content_type,
    thread,
)
from hushpost.messaging.inbox import (
    Show,
    assign,
    first_line,
    latest_messages,
    note_viewer,
    other_viewers,
    presence,
    record_preview_views,
    set_state,
)
from hushpost.messaging.inbox import conversations as inbox_conversations
from hushpost.messaging.models import (
    Conversation,
    ConversationState,
    Message,
    Origin,
    SecureMessagingSettings,
)
from hushpost.messaging.read_receipts import openings
from hushpost.web.compose_forms import ReplyForm, uploads_in_memory
from hushpost.web.decorators import staff_required
from hushpost.web.inbox_forms import AssignForm
from hushpost.web.redirects import redirect_back
from hushpost.web.senders import Sender, senders

PAGE_SIZE = 25


# The Inbox lists this many "can't come" answers; the appointment list has them all.
CANT_COME_SHOWN = 20


@staff_required
def inbox(request):
    # ?unread=1 is what the Inbox's links said before it had filters.
    show = request.GET.get("show") or (Show.UNREAD if request.GET.get("unread") == "1" else "")
    show = show if show in Show.values else Show.OPEN
    query = request.GET.get("q", "").strip()
    found = inbox_conversations(request.org, user=request.user, show=show, query=query)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    latest = latest_messages(items)
    # The first lines are message content on screen: audited like opening each one.
    record_preview_views(request.org, request.user, latest)
    viewing = other_viewers([c.pk for c in items], request.user)
    people = _staff_by_id(request.org)
    who = senders(latest.values())
    rows = [
        InboxRow(
            conversation=c,
            latest=latest.get(c.pk),
            sender=who.get(latest[c.pk].pk) if c.pk in latest else None,
            preview=first_line(latest[c.pk]) if c.pk in latest else "",
            viewers=viewing.get(c.pk, []),
            # An annotation of the inbox queryset (messaging.conversations.inbox).
            last_answered_by=people.get(getattr(c, "last_answered_by_id", 0)),
        )
        for c in items
    ]
    params = {"show": show, **({"q": query} if query else {})}
    context = {
        "nav": "inbox",
        "page": page,
        "rows": rows,
        "show": show,
        "shows": Show.choices,
        "show_label": Show(show).label,
        "q": query,
        "unread_total": Conversation.objects.for_org(request.org).unread_replies(),
        "extra_query": urlencode({"show": show}) + "&",
        "here": f"{reverse('web:inbox')}?{urlencode(params)}",
        "staff": list(people.values()),
        "any_conversations": bool(rows) or Conversation.objects.for_org(request.org).exists(),
        # Issue 15: "can't come" answers wait here for a person, whichever way they came.
        "cant_come": [
            (appointment, confirmation(appointment))
            for appointment in cant_come(request.org, timezone.now())[:CANT_COME_SHOWN]
        ],
    }
    return render(request, "web/inbox/list.html", context)


@dataclass(frozen=True)
class InboxRow:
    conversation: Conversation
    latest: Message | None
    sender: Sender | None
    preview: str
    viewers: list
    last_answered_by: User | None


def _staff_by_id(organization) -> dict[int, User]:
    return {user.pk: user for user in User.objects.for_org(organization).filter(is_active=True)}


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
                way = str(Channel(channel).label).lower()
                done = request.POST.get("then") == ConversationState.DONE
                if done:
                    set_state(conversation_for(contact), ConversationState.DONE, actor=request.user)
                messages.success(
                    request,
                    (
                        _(
                            "Your secure message to %(name)s is on its way by %(way)s. "
                            "The conversation is marked done."
                        )
                        if done
                        else _("Your secure message to %(name)s is on its way by %(way)s.")
                    )
                    % {"name": contact.name, "way": way},
                )
                if done:
                    return redirect("web:inbox")
                return redirect(reverse("web:conversation", args=[contact.pk]) + "#latest")
            # Held back: nothing went out and the message was not kept, so the typed
            # text stays in the form.
            form.add_error("channel", f"Not sent: {outcome.reason}.")
    existing = (
        Conversation.objects.filter(organization=request.org, contact=contact)
        .select_related("assigned_to", "state_changed_by")
        .first()
    )
    if existing is not None:
        mark_read(existing, user=request.user)
        note_viewer(existing, request.user)
    who = senders(items)
    opened = openings(items)
    for message in items:
        # Shown by the template beside each message.
        message.__dict__["sender"] = who[message.pk]
        message.__dict__["opening"] = opened.get(message.pk)
    context = {
        "nav": "inbox",
        "contact": contact,
        "items": items,
        "form": form,
        "secure_enabled": SecureMessagingSettings.objects.for_org(request.org).enabled,
        "conversation": existing,
        "presence": presence(existing, request.user) if existing else None,
        "staff": list(_staff_by_id(request.org).values()),
    }
    return render(request, "web/inbox/conversation.html", context)


@staff_required
def conversation_assign(request, contact_id):
    # Looked up before the method check: another organization's id is a 404 either way.
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    back = reverse("web:conversation", args=[contact.pk])
    form = AssignForm(request.POST, organization=request.org)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for error in form.errors["assignee"]))
        return redirect_back(request, back)
    assignee = form.cleaned_data["assignee"]
    if assign(conversation_for(contact), assignee, actor=request.user):
        whom = (
            "you" if assignee == request.user else (assignee.display_name if assignee else "nobody")
        )
        messages.success(request, f"The conversation with {contact.name} is assigned to {whom}.")
    return redirect_back(request, back)


@staff_required
def conversation_state(request, contact_id):
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    state = request.POST.get("state", "")
    if state not in ConversationState.values:
        messages.error(request, _("Choose Mark done or Reopen."))
    elif set_state(conversation_for(contact), state, actor=request.user):
        messages.success(
            request,
            (
                _("The conversation with %(name)s is marked done.")
                if state == ConversationState.DONE
                else _("The conversation with %(name)s is open again.")
            )
            % {"name": contact.name},
        )
    return redirect_back(request, reverse("web:conversation", args=[contact.pk]))


@staff_required
def conversation_presence(request, contact_id):
    """Polled by the open conversation page (htmx): note that this staff member is
    still here, and say who else is. No message content, so not audited."""
    contact = get_object_or_404(Contact.objects.for_org(request.org), pk=contact_id)
    existing = Conversation.objects.filter(organization=request.org, contact=contact).first()
    if existing is not None:
        note_viewer(existing, request.user)
    return render(
        request,
        "web/inbox/_presence.html",
        {
            "contact": contact,
            "conversation": existing,
            "presence": presence(existing, request.user) if existing else None,
        },
    )


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
        raise Http404(_("No such attachment."))
    # Always a download, never shown in the page's origin: a contact chose this file.
    response = HttpResponse(item.data, content_type=served_content_type(item))
    response["Content-Disposition"] = content_disposition_header(True, item.file_name)
    return response
