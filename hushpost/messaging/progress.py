"""Where a send stands: still fanning out, queued (some deliveries still to go) or done,
with its deliveries counted by status — what the API answers and the send's page shows."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count

from hushpost.delivery.lifecycle import status_label
from hushpost.delivery.models import IN_PROGRESS, Delivery, DeliveryStatus
from hushpost.messaging.models import FanOut, Send


class SendStatus:
    FANNING_OUT = "fanning_out"
    QUEUED = "queued"
    DONE = "done"


@dataclass(frozen=True)
class Progress:
    status: str
    recipients: int
    fanned_out: int
    counts: dict[str, int]
    # (label, count, status) in status order, as staff read them: "sent to the
    # outbox" apart from "sent".
    summary: list[tuple[str, int, str]]

    @property
    def finished(self) -> bool:
        return self.status == SendStatus.DONE


def progress_of(send: Send) -> Progress:
    counts = dict.fromkeys(DeliveryStatus.values, 0)
    labelled: dict[tuple[str, str], int] = {}
    rows = (
        Delivery.objects.filter(send=send)
        .order_by()
        .values_list("status", "provider")
        .annotate(n=Count("id"))
    )
    for status, provider, n in rows:
        counts[status] += n
        key = (status, status_label(status, provider))
        labelled[key] = labelled.get(key, 0) + n
    order = list(DeliveryStatus.values)
    summary = [
        (label, n, status)
        for (status, label), n in sorted(
            labelled.items(), key=lambda i: (order.index(i[0][0]), i[0][1])
        )
    ]
    if send.fan_out != FanOut.DONE:
        status = SendStatus.FANNING_OUT
    elif any(counts[s] for s in IN_PROGRESS):
        status = SendStatus.QUEUED
    else:
        status = SendStatus.DONE
    return Progress(status, send.recipients, send.fanned_out, counts, summary)
