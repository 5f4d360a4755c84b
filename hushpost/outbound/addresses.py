"""The SSRF guard: which URLs may be requested on a customer's behalf.

A URL a customer types is fetched from inside our network, so a host that is
(or resolves to) a loopback, private, link-local, multicast or reserved
address would let them reach what only we can: the cloud's metadata service
at 169.254.169.254, a database on 10.x, the admin port of a neighbour.
`check_url` resolves the host and refuses the URL unless every address is
public; IPv4 hidden inside IPv6 (IPv4-mapped, 6to4, NAT64) is unwrapped
first. The caller connects to the addresses it got back, never to the name
again, so a DNS answer that changes between the check and the connection
(rebinding) can't slip a private address in.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from hushpost.outbound.errors import AddressNotFound, AddressRefused

# The one seam tests replace (a resolver that maps test names to chosen
# addresses); socket.getaddrinfo everywhere else.
getaddrinfo = socket.getaddrinfo

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 2000
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (the resolved addresses) and what to ask for."""

    scheme: str
    host: str  # as written in the URL, without IPv6 brackets; sent as Host and for TLS
    port: int
    path: str  # path and query, at least "/"
    addresses: tuple[str, ...]


def _embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    if isinstance(ip, ipaddress.IPv4Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def why_not_public(ip: IPAddress) -> str | None:
    """What kind of non-public address this is, or None for a public one."""
    inner = _embedded_ipv4(ip)
    if inner is not None:
        return why_not_public(inner)
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_reserved:
        return "a reserved address"
    if isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED:
        return "a private (shared) address"
    if ip.is_private:
        return "a private address"
    if not ip.is_global:
        return "a reserved address"
    return None


DNS_TIMEOUT = 10.0


def _lookup(host: str, port: int, timeout: float) -> list:
    """getaddrinfo within `timeout` seconds. The C resolver can't be interrupted, so a
    slow lookup is left to finish in a thread of its own and its answer thrown away:
    the request's deadline covers DNS too."""
    outcome: list = []
    done = threading.Event()

    def look() -> None:
        try:
            outcome.append(getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except (OSError, UnicodeError) as error:  # raised again in the caller
            outcome.append(error)
        done.set()

    threading.Thread(target=look, name="dns-lookup", daemon=True).start()
    if not done.wait(timeout):
        raise AddressNotFound(
            f"{host} could not be found: DNS gave no answer within {timeout:g} s."
        )
    if isinstance(outcome[0], (OSError, UnicodeError)):
        raise outcome[0]
    return outcome[0]


def resolve(host: str, port: int, *, timeout: float = DNS_TIMEOUT) -> tuple[str, ...]:
    """Every address the host has now, in the resolver's order, without repeats."""
    try:
        answers = _lookup(host, port, timeout)
    except (socket.gaierror, UnicodeError) as error:
        raise AddressNotFound(
            f"{host} could not be found (DNS: {getattr(error, 'strerror', None) or error}); "
            "check the address."
        ) from None
    addresses = []
    for _family, _type, _proto, _name, sockaddr in answers:
        # Scoped IPv6 (fe80::1%eth0) keeps its zone out of the address we check.
        address = str(sockaddr[0]).split("%", 1)[0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise AddressNotFound(f"{host} has no address; check the address.")
    return tuple(addresses)


def parse_url(url: str, *, require_https: bool) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL we may call, or AddressRefused saying what to fix."""
    url = (url or "").strip()
    if not url:
        raise AddressRefused("Give the address, such as https://example.com/hooks/hushpost.")
    if len(url) > MAX_URL_LENGTH:
        raise AddressRefused(f"An address is at most {MAX_URL_LENGTH} characters.")
    if any(ch.isspace() or ord(ch) < 0x20 for ch in url):
        raise AddressRefused("An address can't contain spaces or control characters.")
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise AddressRefused("Use an address that starts with https://.")
    if require_https and scheme != "https":
        raise AddressRefused("Use an https:// address: plain http is refused in production.")
    if parts.username is not None or parts.password is not None:
        raise AddressRefused(
            "Leave the user name and password out of the address; "
            "the receiver checks the signature instead."
        )
    host = parts.hostname or ""
    if not host:
        raise AddressRefused("The address has no host name, as in https://example.com/hooks.")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise AddressRefused("The port in the address is not a number from 1 to 65535.") from None
    if port == 0:
        raise AddressRefused("The port in the address is not a number from 1 to 65535.")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port, path


def check_url(
    url: str, *, allow_private: bool, require_https: bool, timeout: float = DNS_TIMEOUT
) -> Target:
    """The URL's target with its resolved addresses; AddressRefused or AddressNotFound
    otherwise (also when DNS doesn't answer within `timeout` seconds)."""
    scheme, host, port, path = parse_url(url, require_https=require_https)
    addresses = resolve(host, port, timeout=timeout)
    if not allow_private:
        for address in addresses:
            kind = why_not_public(ipaddress.ip_address(address))
            if kind is not None:
                where = host if host == address else f"{host} resolves to {address}, which"
                raise AddressRefused(
                    f"{where} is {kind}: only addresses on the public internet can be called."
                )
    return Target(scheme=scheme, host=host, port=port, path=path, addresses=addresses)
