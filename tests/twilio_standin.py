"""A local stand-in for Twilio's REST API, over real HTTP.

The twilio SDK talks to it exactly as it would to api.twilio.com (the
`twilio_standin` fixture points TWILIO_API_BASE_URL here), so tests cover the
SDK, our timeouts and our error mapping. It records every request and answers
like Twilio: 201 with a Message (or Call) resource, or whatever the script says next.

    twilio_standin.script(Reply(500), Reply(429, headers={"Retry-After": "120"}))
    twilio_standin.script(Reply.error(400, 21211, "The 'To' number is not a valid phone number."))
    twilio_standin.script(Reply.slow(2.0))  # creates the message, but answers too late
    twilio_standin.script(Reply(500, creates=True))  # creates it, then answers 500

GET Messages.json lists what was created, newest first, filtered by To and
DateSent>/DateSent</DateSent as Twilio does (reconciliation reads it); every
created message counts as sent at once.
"""

from __future__ import annotations

import base64
import collections
import datetime
import email.utils
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit


@dataclass
class Reply:
    """One scripted answer. status None means "answer as Twilio would" (after `delay`)."""

    status: int | None = None
    body: dict | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    # Twilio made the message, then failed to say so (a 500 after the fact).
    creates: bool = False

    @classmethod
    def error(cls, status: int, code: int, message: str, **headers: str) -> Reply:
        body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status}
        return cls(status, body, dict(headers))

    @classmethod
    def slow(cls, seconds: float) -> Reply:
        return cls(None, delay=seconds)


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int = 0


class TwilioStandin:
    def __init__(self, port: int, account_sid: str | None = None, auth_token: str | None = None):
        self.port = port
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.from_number = "+15005550006"
        self.requests: list[Recorded] = []  # every request, answered or not
        self.messages: dict[str, dict] = {}  # the messages "created", by sid
        self.calls: dict[str, dict] = {}  # the calls "placed", by sid
        self._script: collections.deque[Reply] = collections.deque()
        # Added to every answer (seconds): slows a whole batch without scripting each reply.
        self.latency = 0.0
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sent(self) -> list[dict]:
        """The messages created, oldest first."""
        return list(self.messages.values())

    def script(self, *replies: Reply) -> None:
        """The next requests get these answers, in order; then normal service resumes."""
        with self._lock:
            self._script.extend(replies)

    def start(self) -> None:
        standin = self

        class Handler(_Handler):
            pass

        Handler.standin = standin
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def stop(self) -> None:
        """Stop listening: the next request gets "connection refused", as if Twilio were unreachable."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else Reply()

    def _create_call(self, form: dict[str, str]) -> dict:
        sid = "CA" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=True)
        call = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "twiml": form.get("Twiml"),
            "status_callback": form.get("StatusCallback"),
            "status": "queued",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Calls/{sid}.json",
        }
        with self._lock:
            self.calls[sid] = call
        return call

    def _create_message(self, form: dict[str, str]) -> dict:
        sid = "SM" + secrets.token_hex(16)
        now = email.utils.formatdate(usegmt=True)
        message = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": form.get("To"),
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form.get("Body"),
            "status": "queued",
            "num_segments": "1",
            "num_media": "0",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "price": None,
            "price_unit": "USD",
            "error_code": None,
            "error_message": None,
            "date_created": now,
            "date_updated": now,
            "date_sent": now,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"},
        }
        with self._lock:
            self.messages[sid] = message
        return message


class _Handler(BaseHTTPRequestHandler):
    standin: TwilioStandin
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the stand-in stays quiet
        pass

    def do_GET(self):
        recorded = self._record({})
        prefix = f"/2010-04-01/Accounts/{self.standin.account_sid}/Messages/"
        sid = self.path.removeprefix(prefix).removesuffix(".json")
        if not self._authorized():
            return self._answer(recorded, 401, {"code": 20003, "message": "Authenticate", "status": 401})
        if urlsplit(self.path).path == prefix.rstrip("/") + ".json":
            return self._list_messages(recorded)
        if self.path.startswith(prefix) and sid in self.standin.messages:
            return self._answer(recorded, 200, self.standin.messages[sid])
        return self._answer(recorded, 404, {"code": 20404, "message": "The requested resource was not found",
                                            "status": 404})

    def _list_messages(self, recorded: Recorded) -> None:
        split = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(split.query, keep_blank_values=True).items()}
        with self.standin._lock:
            found = [m for m in self.standin.messages.values() if _matches(m, query)]
        found.reverse()  # newest first, like Twilio
        size = int(query.get("PageSize") or 50)
        page = int(query.get("Page") or 0)
        records = found[page * size:(page + 1) * size]
        next_uri = None
        if (page + 1) * size < len(found):
            next_uri = f"{split.path}?{urlencode({**query, 'Page': page + 1, 'PageSize': size})}"
        self._answer(recorded, 200, {"messages": records, "page": page, "page_size": size, "uri": self.path,
                                     "first_page_uri": self.path, "next_page_uri": next_uri,
                                     "previous_page_uri": None, "start": page * size, "end": page * size + len(records)})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        recorded = self._record(form)
        if not self._authorized():
            return self._answer(recorded, 401, {"code": 20003, "message": "Authenticate", "status": 401})
        base = f"/2010-04-01/Accounts/{self.standin.account_sid}"
        create = {f"{base}/Messages.json": self.standin._create_message, f"{base}/Calls.json": self.standin._create_call}
        if self.path not in create:
            return self._answer(recorded, 404, {"code": 20404, "message": "Not found", "status": 404})
        reply = self.standin._next_reply()
        time.sleep(self.standin.latency)
        if reply.status is None:
            # Twilio's side of a slow answer: the message (or call) exists even if the client gave up.
            message = create[self.path](form)
            time.sleep(reply.delay)
            return self._answer(recorded, 201, message, reply.headers)
        if reply.creates:
            create[self.path](form)
        return self._answer(recorded, reply.status, reply.body or {"status": reply.status, "message": "scripted"},
                            reply.headers)

    def _record(self, form: dict[str, str]) -> Recorded:
        recorded = Recorded(self.command, self.path, dict(self.headers.items()), form)
        with self.standin._lock:
            self.standin.requests.append(recorded)
        return recorded

    def _authorized(self) -> bool:
        expected = base64.b64encode(f"{self.standin.account_sid}:{self.standin.auth_token}".encode()).decode()
        return self.headers.get("Authorization") == f"Basic {expected}"

    def _answer(self, recorded: Recorded, status: int, body: dict, headers: dict[str, str] | None = None) -> None:
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


def _matches(message: dict, query: dict[str, str]) -> bool:
    if "To" in query and message["to"] != query["To"]:
        return False
    sent = email.utils.parsedate_to_datetime(message["date_sent"]) if message["date_sent"] else None
    for name, keep in (("DateSent>", lambda when, bound: when >= bound), ("DateSent<", lambda when, bound: when <= bound)):
        if name in query:
            bound = datetime.datetime.fromisoformat(query[name].replace("Z", "+00:00"))
            if sent is None or not keep(sent, bound):
                return False
    if "DateSent" in query:
        day = datetime.date.fromisoformat(query["DateSent"][:10])
        if sent is None or sent.date() != day:
            return False
    return True
