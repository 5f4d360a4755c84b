"""What the provider stand-ins share: a local HTTP server that records every
request and plays scripted answers before its normal service.

A stand-in subclasses `HttpStandin` (its own `Reply`, its own handler) and
answers in the provider's JSON through `StandinHandler._answer`.
"""

from __future__ import annotations

import collections
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    """One scripted answer. status None means "answer as the provider would" (after `delay`)."""

    status: int | None = None
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        return cls(None, delay=seconds)


class StandinHandler(BaseHTTPRequestHandler):
    standin: HttpStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def _record(self, recorded):
        with self.standin._lock:
            self.standin.requests.append(recorded)
        return recorded

    def _answer(
        self, recorded, status: int, body: dict, headers: dict[str, str] | None = None
    ) -> None:
        recorded.status = status
        data = json.dumps(body).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client timed out and went away, as a real one would


class _Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: a burst of new connections (four
    # workers opening eight kept-alive connections each) overflowed it and some
    # were reset after the request was sent — an "ambiguous" failure no real
    # provider's listener would cause. 128 is a common kernel default.
    request_queue_size = 128


class HttpStandin:
    """Listens on 127.0.0.1:`port` between start() and stop()."""

    reply_type: type[Reply] = Reply
    handler_type: type[StandinHandler] = StandinHandler

    def __init__(self, port: int):
        self.port = port
        self.requests: list = []  # every request, answered or not
        self._script: collections.deque[Reply] = collections.deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    def script(self, *replies: Reply) -> None:
        """The next requests get these answers, in order; then normal service resumes."""
        with self._lock:
            self._script.extend(replies)

    def start(self) -> None:
        handler = type("Handler", (self.handler_type,), {"standin": self})
        self._server = _Server(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        """Stop listening: the next request gets "connection refused", as if the
        provider were unreachable."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.reply_type()
