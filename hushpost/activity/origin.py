"""Where a staff or API action came from: the client IP of the request being served.

Audit events say who, when and from where (docs/SECURITY.md). The business
functions that record them (save_settings, revoke_key, update_user, …) are
shared by the staff UI, the API and commands and know nothing of requests, so
the middleware below notes the request's address for the length of the
request and `log.record()` adds it to audit events. Outside a request (a
worker, a command) there is no address and none is written.
"""

from __future__ import annotations

from contextvars import ContextVar

# X-Forwarded-For counts only from HUSHPOST_TRUSTED_PROXIES: an audit entry
# must not be forgeable by what a client types.
from hushpost.client_address import client_ip

__all__ = ["RequestOriginMiddleware", "client_ip", "current_ip"]

_current_ip: ContextVar[str] = ContextVar("hushpost_request_ip", default="")


def current_ip() -> str:
    return _current_ip.get()


class RequestOriginMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _current_ip.set(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            # Reset, never left set: the next request on this thread starts clean.
            _current_ip.reset(token)
