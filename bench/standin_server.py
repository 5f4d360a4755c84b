"""The Twilio stand-in (tests/twilio_standin.py) in a process of its own, for benchmarks.

Served apart from the process being measured, so the stand-in's threads don't
compete with it for the GIL. Prints one JSON line (url, account_sid,
auth_token, from_number) when it listens, and serves two extra paths:
GET /bench/stats (how many messages, how many distinct bodies, and the
creation times) and POST /bench/reset (forget them).

    python -m bench.standin_server [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import collections
import json
import socket
import sys
import threading
import time

from tests.twilio_standin import TwilioStandin, _Handler


class BenchHandler(_Handler):
    # http.server writes the headers and the body apart; with Nagle's algorithm on,
    # the client's delayed ACK then costs ~40 ms per request on a kept-alive
    # connection, as no real API's server would.
    disable_nagle_algorithm = True

    def do_GET(self):
        if self.path.startswith("/bench/stats"):
            with self.standin._lock:
                bodies = collections.Counter(m["body"] for m in self.standin.messages.values())
                times = list(self.standin.created_at)
            want_times = "times=1" in self.path
            return self._answer(
                self._record_form({}),
                200,
                {
                    "messages": sum(bodies.values()),
                    "distinct": len(bodies),
                    "times": times if want_times else [],
                },
            )
        return super().do_GET()

    def do_POST(self):
        if self.path == "/bench/reset":
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            with self.standin._lock:
                self.standin.messages.clear()
                self.standin.requests.clear()
                self.standin.created_at.clear()
            return self._answer(self._record_form({}), 200, {"ok": True})
        return super().do_POST()


class BenchStandin(TwilioStandin):
    handler_type = BenchHandler

    def __init__(self, port: int):
        super().__init__(port)
        self.created_at: list[float] = []  # time.time() of each message created

    def _create_message(self, form):
        message = super()._create_message(form)
        with self._lock:
            self.created_at.append(time.time())
            # Keep memory flat through long runs: the request log is not needed here.
            self.requests.clear()
        return message


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    standin = BenchStandin(port)
    standin.latency = args.latency
    standin.start()
    print(
        json.dumps(
            {
                "url": standin.url,
                "account_sid": standin.account_sid,
                "auth_token": standin.auth_token,
                "from_number": standin.from_number,
            }
        ),
        flush=True,
    )
    # Runs until its parent closes stdin.
    threading.Thread(target=sys.stdin.read, daemon=True).start()
    sys.stdin.read()
    standin.stop()


if __name__ == "__main__":
    main()
