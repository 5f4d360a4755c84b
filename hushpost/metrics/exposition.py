"""GET /metrics: open in development; in production only with the bearer token."""

from __future__ import annotations

import hmac
import os

from django.conf import settings
from django.http import HttpResponse
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.multiprocess import MultiProcessCollector

from hushpost.metrics.database import DatabaseCollector


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # Every process's files in the directory, added up; this process's
        # default registry would only hold its own counts.
        MultiProcessCollector(registry)
    else:
        registry.register(_OneProcess())
    registry.register(DatabaseCollector())
    return registry


class _OneProcess:
    """This process's counters (runserver, tests: no multiprocess directory)."""

    def collect(self):
        return REGISTRY.collect()


def allowed(request) -> bool:
    if not settings.PRODUCTION:
        return True
    token = settings.HUSHPOST_METRICS_TOKEN
    sent = request.headers.get("Authorization", "")
    return bool(token) and hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())


def metrics_response(request) -> HttpResponse:
    if not allowed(request):
        # The same answer with no token configured and with a wrong one: nothing to find here.
        return HttpResponse("Not Found", status=404, content_type="text/plain")
    response = HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
