"""The gauges read from the database at scrape time: the queue and the scheduler.

Three small aggregate queries on indexed columns per scrape; the rows are the
queue, so this is right whichever processes are alive.
"""

from __future__ import annotations

from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from hushpost.delivery.models import Channel, Delivery, DeliveryStatus


class DatabaseCollector(Collector):
    def collect(self):
        from hushpost.appointments.models import DueSend

        now = timezone.now()
        queued = Delivery.objects.filter(status=DeliveryStatus.QUEUED)
        depth = GaugeMetricFamily(
            "hushpost_queue_depth", "Deliveries queued to send, by channel.", labels=["channel"]
        )
        counts = dict(queued.order_by().values_list("channel").annotate(n=Count("pk")))
        for channel in Channel:
            depth.add_metric([channel.value], counts.get(channel.value, 0))
        yield depth

        oldest = queued.filter(next_attempt_at__lte=now).aggregate(due=Min("next_attempt_at"))
        yield GaugeMetricFamily(
            "hushpost_queue_oldest_seconds",
            "How long the oldest due delivery has waited for a worker (0: none waits).",
            value=_age(now, oldest["due"]),
        )
        lag = DueSend.objects.due(now).aggregate(due=Min("due_at"))
        yield GaugeMetricFamily(
            "hushpost_scheduler_lag_seconds",
            "How long the oldest due appointment message has waited for the scheduler "
            "(0: none waits).",
            value=_age(now, lag["due"]),
        )


def _age(now, since) -> float:
    return max(0.0, (now - since).total_seconds()) if since else 0.0
