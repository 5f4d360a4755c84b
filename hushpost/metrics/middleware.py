"""Serves /metrics before the host check (scrapers come by IP) and counts every answer."""

from __future__ import annotations

from hushpost.metrics.counters import HTTP_REQUESTS
from hushpost.metrics.exposition import metrics_response

# The first path segment names the app; a short fixed list keeps the label's
# values few whatever paths clients make up.
APPS = {
    "api": "api",
    "s": "portal",
    "webhooks": "webhooks",
    "o": "delivery",
    "u": "delivery",
    "accounts": "accounts",
    "static": "static",
    "healthz": "health",
    "readyz": "health",
    "metrics": "metrics",
}


def app_of(path: str) -> str:
    return APPS.get(path.lstrip("/").split("/", 1)[0], "web")


class MetricsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == "/metrics" and request.method in ("GET", "HEAD"):
            response = metrics_response(request)
        else:
            response = self.get_response(request)
        HTTP_REQUESTS.labels(app_of(request.path_info), str(response.status_code)).inc()
        return response
