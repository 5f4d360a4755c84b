"""A send's page: progress while it fans out and goes out, each recipient's outcome
page by page, a CSV of them all, and what was sent."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from hushpost.activity.export import FORMULA_START, record_export
from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import DeliveryStatus
from hushpost.messaging.compose import deliveries_of
from hushpost.messaging.fan_out import INLINE_LIMIT
from hushpost.messaging.links import mask_address
from hushpost.messaging.models import Message, Send
from hushpost.messaging.progress import progress_of
from hushpost.web.compose_forms import chosen_ids
from hushpost.web.decorators import staff_required
from hushpost.web.event_pages import csv_download

PAGE_SIZE = 50
SEND_PAGE = "send page"
# The send page reloads itself every few seconds while messages go out: one view.
SEND_PAGE_VIEW_WINDOW = timedelta(minutes=15)
CSV_HEADER = ["contact_id", "contact_name", "channel", "to", "status", "reason", "updated_at"]


def _send(request, send_id) -> Send:
    return get_object_or_404(
        Send.objects.for_org(request.org).select_related("created_by"), pk=send_id
    )


def _status_filter(request) -> str:
    wanted = request.GET.get("status", "")
    return wanted if wanted in DeliveryStatus.values else ""


@staff_required
def send_detail(request, send_id):
    send = _send(request, send_id)
    progress = progress_of(send)
    status = _status_filter(request)
    deliveries = deliveries_of(send).select_related("contact").order_by("created_at", "id")
    if status:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "nav": "compose",
        "send": send,
        "progress": progress,
        "summary": progress.summary,
        "in_progress": not progress.finished,
        "page": page,
        "status": status,
        "extra_query": f"status={status}&" if status else "",
        "statuses": DeliveryStatus.choices,
    }
    if request.htmx and request.htmx.target == "send-progress":
        # The poll while it runs: counts and this page of the table, nothing audited.
        return render(request, "web/sends/_progress.html", context)
    sent = _what_was_sent(request, send, request.GET.get("contact", ""))
    context["sent"] = sent
    # A choice of whose copy to show, for sends small enough to list in one menu.
    context["sent_to"] = (
        [
            m.contact
            for m in send.messages.select_related("contact").order_by("contact__name", "contact_id")
        ]
        if send.recipients <= INLINE_LIMIT
        else []
    )
    return render(request, "web/sends/detail.html", context)


def _cell(text: str) -> str:
    # Contact names and reasons come from outside (imports, the API, providers).
    return "'" + text if text.startswith(FORMULA_START) else text


class _Line:
    def write(self, value: str) -> str:
        return value


def _rows(deliveries) -> Iterator[str]:
    writer = csv.writer(_Line())
    yield writer.writerow(CSV_HEADER)
    for delivery in deliveries.iterator(chunk_size=1000):
        yield writer.writerow(
            [
                str(delivery.contact_id),
                _cell(delivery.contact.name),
                delivery.channel,
                mask_address(delivery.channel, delivery.to),
                delivery.status,
                _cell(delivery.reason),
                delivery.updated_at.isoformat(timespec="seconds"),
            ]
        )


@staff_required
def send_deliveries_csv(request, send_id):
    send = _send(request, send_id)
    status = _status_filter(request)
    deliveries = deliveries_of(send).select_related("contact").order_by("created_at", "id")
    if status:
        deliveries = deliveries.filter(status=status)
    record_export(
        request.org,
        actor=request.user,
        export="send deliveries",
        rows=deliveries.count(),
        send=send.pk,
        status=status,
    )
    return csv_download(_rows(deliveries), f"send-{str(send.pk)[:8]}", request.org)


def _what_was_sent(request, send: Send, contact_id: str) -> Message | None:
    """One recipient's copy of the message (each is written for its contact). Showing
    it is a view of that contact's conversation, so it is audited — once per
    viewer and message while the page refreshes itself during the send."""
    messages = send.messages.select_related("contact").prefetch_related("attachments")
    wanted = chosen_ids([contact_id])
    message = messages.filter(contact_id=wanted[0]).first() if wanted else None
    message = message or messages.order_by("contact__name", "contact_id").first()
    if message is None:
        return None
    recently = Event.objects.for_org(request.org).filter(
        kind=EventKind.STAFF_VIEWED_CONVERSATION,
        actor=request.user,
        message=message,
        detail__via=SEND_PAGE,
        created_at__gte=timezone.now() - SEND_PAGE_VIEW_WINDOW,
    )
    if not recently.exists():
        record(
            request.org,
            EventKind.STAFF_VIEWED_CONVERSATION,
            contact=message.contact,
            message=message,
            actor=request.user,
            via=SEND_PAGE,
        )
    return message
