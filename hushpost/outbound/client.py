"""The one seam for HTTP requests to customers' URLs.

`request()` checks the URL (addresses.check_url), connects to an address
that passed the check — never to the host name again — and gives the whole
exchange one deadline. Per-operation socket timeouts are not enough: a
receiver that trickles a byte every few seconds would hold a worker forever,
so a timer shuts the socket down when the deadline passes, whatever it is
doing. Redirects are answers like any other (never followed: a redirect
could point anywhere, including inside our network), and at most
`max_body` bytes of the answer are read.
"""

from __future__ import annotations

import http.client
import socket
import ssl
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass

from hushpost.outbound.addresses import Target, check_url
from hushpost.outbound.errors import RequestFailed

USER_AGENT = "Hushpost"


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes  # at most max_body bytes
    elapsed: float  # seconds, from the start of the request to the end of the answer


class _Deadline:
    """Shuts the connection's socket down when time is up, ending any read or write."""

    def __init__(self, seconds: float):
        self.ends = time.monotonic() + seconds
        self.sock: socket.socket | None = None
        self.passed = False
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def start(self) -> None:
        self._timer.start()

    def watch(self, sock: socket.socket) -> None:
        self.sock = sock
        if self.passed:
            self._cut()

    def remaining(self) -> float:
        return max(0.001, self.ends - time.monotonic())

    def _cut(self) -> None:
        self.passed = True
        if self.sock is not None:
            try:
                # The base class's shutdown works on a TLS socket too (the same descriptor).
                socket.socket.shutdown(self.sock, socket.SHUT_RDWR)
            except OSError:
                pass

    def cancel(self) -> None:
        self._timer.cancel()


def _connect(target: Target, deadline: _Deadline) -> socket.socket:
    errors: list[OSError] = []
    for address in target.addresses:
        try:
            sock = socket.create_connection((address, target.port), timeout=deadline.remaining())
        except OSError as error:
            errors.append(error)
            if deadline.passed:
                break
            continue
        deadline.watch(sock)
        return sock
    last = errors[-1] if errors else None
    if isinstance(last, ConnectionRefusedError):
        raise RequestFailed(f"{target.host} refused the connection (port {target.port}).")
    if isinstance(last, TimeoutError) or deadline.passed:
        raise RequestFailed(f"{target.host} did not accept a connection in time.")
    raise RequestFailed(
        f"could not connect to {target.host} ({type(last).__name__ if last else 'no address'})."
    )


def _secure(sock: socket.socket, target: Target, deadline: _Deadline) -> socket.socket:
    context = ssl.create_default_context()
    try:
        wrapped = context.wrap_socket(sock, server_hostname=target.host)
    except ssl.SSLCertVerificationError as error:
        sock.close()
        raise RequestFailed(
            f"the TLS certificate of {target.host} is not valid "
            f"({error.verify_message or 'verification failed'})."
        ) from None
    except (ssl.SSLError, OSError) as error:
        sock.close()
        if deadline.passed:
            raise RequestFailed("no answer in time (during the TLS handshake).") from None
        raise RequestFailed(f"the TLS handshake with {target.host} failed ({error}).") from None
    deadline.watch(wrapped)
    return wrapped


def request(
    method: str,
    url: str,
    *,
    body: bytes = b"",
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    max_body: int = 64 * 1024,
    allow_private: bool,
    require_https: bool,
) -> Response:
    """Make one request; OutboundError (AddressRefused, AddressNotFound, RequestFailed)
    when it could not be made or answered within `timeout` seconds."""
    started = time.monotonic()
    target = check_url(
        url, allow_private=allow_private, require_https=require_https, timeout=timeout
    )
    deadline = _Deadline(max(0.001, timeout - (time.monotonic() - started)))
    deadline.start()
    try:
        sock = _connect(target, deadline)
        if target.scheme == "https":
            sock = _secure(sock, target, deadline)
        sock.settimeout(deadline.remaining())
        connection = http.client.HTTPConnection(target.host, target.port)
        connection.sock = sock  # already connected to the checked address: no second lookup
        try:
            connection.request(
                method,
                target.path,
                body=body,
                headers={"User-Agent": USER_AGENT, **(headers or {})},
            )
            answer = connection.getresponse()
            content = answer.read(max_body)
            if deadline.passed:
                # read(n) hands back what came before the cut without a word.
                raise TimeoutError
            status = answer.status
            answer_headers = {name.lower(): value for name, value in answer.getheaders()}
        except (OSError, http.client.HTTPException) as error:
            if deadline.passed or isinstance(error, TimeoutError):
                raise RequestFailed(f"no complete answer within {timeout:g} s.") from None
            raise RequestFailed(
                f"the connection to {target.host} broke ({type(error).__name__})."
            ) from None
        finally:
            connection.close()
    finally:
        deadline.cancel()
    return Response(
        status=status,
        headers=answer_headers,
        body=content,
        elapsed=time.monotonic() - started,
    )
