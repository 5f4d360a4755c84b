"""The counters and the histogram every process writes (see the package's docstring)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

DELIVERIES = Counter(
    "hushpost_deliveries",
    "Deliveries that reached a status, by channel and status.",
    ["channel", "status"],
)
SEND_LATENCY = Histogram(
    "hushpost_send_latency_seconds",
    "From a delivery being queued to its provider accepting it.",
    buckets=(0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 1800, 3600, 4 * 3600, 24 * 3600),
)
PIN_FAILURES = Counter("hushpost_pin_failures", "Wrong PINs entered on the secure page.")
LINKS_LOCKED = Counter("hushpost_links_locked", "Secure links locked after too many wrong PINs.")
HTTP_REQUESTS = Counter(
    "hushpost_http_requests", "HTTP requests answered, by app and status code.", ["app", "status"]
)
