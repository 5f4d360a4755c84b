"""Who the client is and whether it came over https, believing a proxy only when trusted.

Behind a reverse proxy every request comes from the proxy's address; the
proxy says who it is serving in `X-Forwarded-For` (or RFC 7239 `Forwarded`)
and which scheme in `X-Forwarded-Proto` (or `Forwarded: proto=`). A client
can send those headers too, so they count only when the peer that connected
(REMOTE_ADDR) is in HUSHPOST_TRUSTED_PROXIES, and the client is the rightmost
hop that is not itself a trusted proxy: everything left of it was written by
someone we don't trust. With no trusted proxies (the default) the client is
REMOTE_ADDR and the scheme is the connection's own.

Every reader of the client IP goes through `client_ip` (sign-in and PIN
limits, the audit log, the portal's throttle, via activity/origin.py), and
`ClientAddressMiddleware` marks a request https for Django (SSL redirect,
secure cookies, CSRF) only on a trusted proxy's word — gunicorn is told to
trust nobody's (hushpost/cli.py), so this is the one place that decides.
"""

from __future__ import annotations

import ipaddress
from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(entries: list[str]) -> tuple[Network, ...]:
    """HUSHPOST_TRUSTED_PROXIES' entries: addresses or CIDR networks."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"HUSHPOST_TRUSTED_PROXIES has {entry!r}, which is not an IP address or "
                "network: write addresses or CIDRs, e.g. 127.0.0.1,10.0.0.0/8."
            ) from None
    return tuple(networks)


@cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(list(entries))


def _address(text: str) -> Address | None:
    """An address as proxies write it: bare, "[v6]:port", "v4:port" or quoted (Forwarded)."""
    text = text.strip().strip('"')
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        found = ipaddress.ip_address(text)
    except ValueError:
        return None
    # An IPv4-mapped IPv6 peer is the IPv4 client (a dual-stack socket).
    if isinstance(found, ipaddress.IPv6Address) and found.ipv4_mapped:
        return found.ipv4_mapped
    return found


def is_trusted(address: Address | None) -> bool:
    if address is None:
        return False
    return any(
        address in network for network in _networks(tuple(settings.HUSHPOST_TRUSTED_PROXIES))
    )


def is_trusted_peer(request) -> bool:
    """Whether the peer that connected is one of HUSHPOST_TRUSTED_PROXIES."""
    return is_trusted(_address(request.META.get("REMOTE_ADDR", "")))


def _forwarded_pairs(value: str, name: str) -> list[str]:
    """The `name=` values of an RFC 7239 Forwarded header, one per hop, left to right."""
    found = []
    for element in value.split(","):
        for pair in element.split(";"):
            key, _, item = pair.partition("=")
            if key.strip().lower() == name:
                found.append(item.strip())
    return found


def _hops(meta) -> list[str]:
    """Client addresses the proxies wrote, left (farthest) to right (nearest).
    X-Forwarded-For wins over Forwarded when a proxy sent both."""
    xff = meta.get("HTTP_X_FORWARDED_FOR", "")
    if xff:
        return [hop for hop in xff.split(",") if hop.strip()]
    return _forwarded_pairs(meta.get("HTTP_FORWARDED", ""), "for")


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the rightmost untrusted hop a trusted proxy named."""
    if request is None:
        return ""
    peer_text = request.META.get("REMOTE_ADDR", "")
    peer = _address(peer_text)
    if not is_trusted(peer):
        return peer_text
    current = peer
    for hop in reversed(_hops(request.META)):
        address = _address(hop)
        if address is None:
            # "unknown", an obfuscated name or garbage: nothing left of it can be
            # believed, so the last address we could read (a trusted proxy) stands.
            break
        current = address
        if not is_trusted(address):
            break
    return str(current)


def forwarded_scheme(request) -> str:
    """ "https"/"http" as a trusted proxy says the client connected; "" when none says."""
    if not is_trusted_peer(request):
        return ""
    proto = request.META.get("HTTP_X_FORWARDED_PROTO", "")
    if not proto:
        protos = _forwarded_pairs(request.META.get("HTTP_FORWARDED", ""), "proto")
        proto = protos[-1] if protos else ""
    # The nearest proxy's word is the last one it appended.
    proto = proto.split(",")[-1].strip().strip('"').lower()
    return proto if proto in {"http", "https"} else ""


class ClientAddressMiddleware:
    """First in MIDDLEWARE: everything after it (SSL redirect, secure cookies,
    CSRF's origin check) sees https exactly when a trusted proxy says so."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        scheme = forwarded_scheme(request)
        if scheme:
            # WSGIRequest.scheme reads this; its META is the WSGI environ.
            request.META["wsgi.url_scheme"] = scheme
        return self.get_response(request)
