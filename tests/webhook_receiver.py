"""A webhook receiver on loopback: records every POST and answers as scripted.

The Standard Webhooks headers and the raw body are kept as they arrived, so
tests verify them with the `standardwebhooks` package exactly as an
integrator would. `Reply(status)` scripts the next answers (500 then 200);
`Reply(hang=True)` holds the request open until the receiver stops, as a
receiver that never answers does.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field

from standardwebhooks import Webhook

from tests.http_standin import HttpStandin, StandinHandler


@dataclass
class Reply:
    status: int = 200
    hang: bool = False


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)
    status: int | None = None

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class ReceiverHandler(StandinHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        recorded = Received(
            path=self.path,
            headers={name.lower(): value for name, value in self.headers.items()},
            body=self.rfile.read(length),
        )
        self._record(recorded)
        with self.standin.arrived:
            self.standin.arrived.notify_all()
        reply = self.standin._next_reply()
        if reply.hang:
            # Waits on an event, not a clock: released when the test ends.
            self.standin.released.wait(timeout=120)
            return
        self._answer(recorded, reply.status, {"ok": reply.status < 300})


class WebhookReceiver(HttpStandin):
    reply_type = Reply
    handler_type = ReceiverHandler

    def __init__(self, port: int):
        super().__init__(port)
        self.arrived = threading.Condition()
        self.released = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/hushpost"

    def wait_for(self, count: int, timeout: float = 30) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.requests) >= count, timeout=timeout)
        assert len(self.requests) >= count, f"{len(self.requests)} of {count} webhooks arrived"
        return list(self.requests)

    def verified(self, secret: str) -> list[dict]:
        """Every request's payload, each checked with standardwebhooks (raises if one fails)."""
        return [Webhook(secret).verify(item.body, item.headers) for item in self.requests]

    def stop(self) -> None:
        self.released.set()
        super().stop()
