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
DateSent>/DateSent</DateSent as Twilio does (reconciliation reads it). As at
Twilio, a created message is "queued" ("accepted" through a messaging
service) with no DateSent, so a DateSent filter leaves it out, until
`advance(sid, "sent")` (or any later status) says the carrier took it.

Media of inbound MMS, as Twilio serves it with "Enforce HTTP Auth on Media
URLs": the MediaUrl answers only with our credentials, by a redirect to a
short-lived address on the "CDN" (here /cdn/<token> on the same server),
which needs none.

    url = twilio_standin.add_media(JPEG_BYTES, "image/jpeg")   # the MediaUrl0 to post
    twilio_standin.add_media(data, "image/png", redirect_to="http://127.0.0.1:9/x")
"""

from __future__ import annotations

import base64
import datetime
import email.utils
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlencode, urlsplit

from tests import http_standin


@dataclass
class Reply(http_standin.Reply):
    """One scripted answer. status None means "answer as Twilio would" (after `delay`)."""

    # Twilio made the message, then failed to say so (a 500 after the fact).
    creates: bool = False

    @classmethod
    def error(cls, status: int, code: int, message: str, **headers: str) -> Reply:
        body = {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return cls(status, body, dict(headers))


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]
    status: int = 0
    at: float = field(default_factory=time.time)  # when the request arrived


class _Handler(http_standin.StandinHandler):
    standin: TwilioStandin

    def do_GET(self):
        recorded = self._record_form({})
        if self.path.startswith("/cdn/"):
            return self._serve_cdn(recorded)
        if self.path in self.standin.media:
            return self._redirect_media(recorded)
        prefix = f"/2010-04-01/Accounts/{self.standin.account_sid}/Messages/"
        sid = self.path.removeprefix(prefix).removesuffix(".json")
        if not self._authorized():
            return self._answer(
                recorded, 401, {"code": 20003, "message": "Authenticate", "status": 401}
            )
        if urlsplit(self.path).path == prefix.rstrip("/") + ".json":
            return self._list_messages(recorded)
        if self.path.startswith(prefix) and sid in self.standin.messages:
            return self._answer(recorded, 200, self.standin.messages[sid])
        return self._answer(
            recorded,
            404,
            {"code": 20404, "message": "The requested resource was not found", "status": 404},
        )

    def _redirect_media(self, recorded: Recorded) -> None:
        if not self._authorized():
            return self._answer(
                recorded, 401, {"code": 20003, "message": "Authenticate", "status": 401}
            )
        stored = self.standin.media[self.path]
        token = secrets.token_urlsafe(16)
        with self.standin._lock:
            self.standin.cdn[token] = stored
        location = stored.redirect_to or f"{self.standin.url}/cdn/{token}"
        recorded.status = 307
        self.send_response(307)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _serve_cdn(self, recorded: Recorded) -> None:
        stored = self.standin.cdn.get(self.path.removeprefix("/cdn/"))
        if stored is None:
            return self._answer(recorded, 404, {"message": "Not found"})
        recorded.status = 200
        time.sleep(stored.delay)
        try:
            self.send_response(200)
            self.send_header("Content-Type", stored.content_type)
            if stored.declare_length:
                self.send_header("Content-Length", str(len(stored.data)))
            else:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(stored.data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if not stored.declare_length:
            self.close_connection = True

    def _list_messages(self, recorded: Recorded) -> None:
        split = urlsplit(self.path)
        query = {
            key: values[0] for key, values in parse_qs(split.query, keep_blank_values=True).items()
        }
        with self.standin._lock:
            found = [m for m in self.standin.messages.values() if _matches(m, query)]
        found.reverse()  # newest first, like Twilio
        size = int(query.get("PageSize") or 50)
        page = int(query.get("Page") or 0)
        records = found[page * size : (page + 1) * size]
        next_uri = None
        if (page + 1) * size < len(found):
            next_uri = f"{split.path}?{urlencode({**query, 'Page': page + 1, 'PageSize': size})}"
        self._answer(
            recorded,
            200,
            {
                "messages": records,
                "page": page,
                "page_size": size,
                "uri": self.path,
                "first_page_uri": self.path,
                "next_page_uri": next_uri,
                "previous_page_uri": None,
                "start": page * size,
                "end": page * size + len(records),
            },
        )

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode()
        form = {key: values[0] for key, values in parse_qs(raw, keep_blank_values=True).items()}
        recorded = self._record_form(form)
        if not self._authorized():
            return self._answer(
                recorded, 401, {"code": 20003, "message": "Authenticate", "status": 401}
            )
        base = f"/2010-04-01/Accounts/{self.standin.account_sid}"
        create = {
            f"{base}/Messages.json": self.standin._create_message,
            f"{base}/Calls.json": self.standin._create_call,
        }
        if self.path not in create:
            return self._answer(
                recorded, 404, {"code": 20404, "message": "Not found", "status": 404}
            )
        reply = self.standin._next_reply()
        time.sleep(self.standin.latency)
        if reply.status is None:
            # Twilio's side of a slow answer: the message (or call) exists
            # even if the client gave up.
            message = create[self.path](form)
            time.sleep(reply.delay)
            return self._answer(recorded, 201, message, reply.headers)
        if reply.creates:
            create[self.path](form)
        return self._answer(
            recorded,
            reply.status,
            reply.body or {"status": reply.status, "message": "scripted"},
            reply.headers,
        )

    def _record_form(self, form: dict[str, str]) -> Recorded:
        return self._record(Recorded(self.command, self.path, dict(self.headers.items()), form))

    def _authorized(self) -> bool:
        expected = base64.b64encode(
            f"{self.standin.account_sid}:{self.standin.auth_token}".encode()
        ).decode()
        return self.headers.get("Authorization") == f"Basic {expected}"


@dataclass
class StoredMedia:
    content_type: str
    data: bytes
    # Where the MediaUrl redirects instead of the stand-in's own "CDN".
    redirect_to: str = ""
    # False: sent without Content-Length, so only counting the bytes finds the size.
    declare_length: bool = True
    delay: float = 0.0


class TwilioStandin(http_standin.HttpStandin):
    reply_type = Reply
    handler_type = _Handler

    def __init__(self, port: int, account_sid: str | None = None, auth_token: str | None = None):
        super().__init__(port)
        self.account_sid = account_sid or "AC" + secrets.token_hex(16)
        self.auth_token = auth_token or secrets.token_hex(16)
        self.from_number = "+15005550006"
        self.messages: dict[str, dict] = {}  # the messages "created", by sid
        self.calls: dict[str, dict] = {}  # the calls "placed", by sid
        # Added to every answer (seconds): slows a whole batch without scripting each reply.
        self.latency = 0.0
        self.media: dict[str, StoredMedia] = {}  # inbound MMS media, by MediaUrl path
        self.cdn: dict[str, StoredMedia] = {}  # the short-lived addresses handed out

    def add_media(self, data: bytes, content_type: str, **options) -> str:
        """Media of an inbound message, as Twilio keeps it; returns its MediaUrl."""
        message_sid = "MM" + secrets.token_hex(16)
        path = (
            f"/2010-04-01/Accounts/{self.account_sid}/Messages/{message_sid}"
            f"/Media/ME{secrets.token_hex(16)}"
        )
        with self._lock:
            self.media[path] = StoredMedia(content_type, data, **options)
        return self.url + path

    def advance(self, sid: str, status: str, error_code: int | None = None) -> dict:
        """What became of a message at Twilio; from "sending" on it has a DateSent."""
        now = email.utils.formatdate(usegmt=True)
        with self._lock:
            message = self.messages[sid]
            message.update(status=status, error_code=error_code, date_updated=now)
            if status not in {"queued", "accepted", "scheduled"} and not message["date_sent"]:
                message["date_sent"] = now
        return message

    def media_requests(self) -> list[Recorded]:
        """Every request for media, the CDN's included, oldest first."""
        return [r for r in self.requests if r.path in self.media or r.path.startswith("/cdn/")]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sent(self) -> list[dict]:
        """The messages created, oldest first."""
        return list(self.messages.values())

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
            "status": "accepted" if form.get("MessagingServiceSid") else "queued",
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
            "date_sent": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            "subresource_uris": {
                "media": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}/Media.json"
            },
        }
        with self._lock:
            self.messages[sid] = message
        return message


def _matches(message: dict, query: dict[str, str]) -> bool:
    if "To" in query and message["to"] != query["To"]:
        return False
    sent = email.utils.parsedate_to_datetime(message["date_sent"]) if message["date_sent"] else None
    for name, keep in (
        ("DateSent>", lambda when, bound: when >= bound),
        ("DateSent<", lambda when, bound: when <= bound),
    ):
        if name in query:
            bound = datetime.datetime.fromisoformat(query[name].replace("Z", "+00:00"))
            if sent is None or not keep(sent, bound):
                return False
    if "DateSent" in query:
        day = datetime.date.fromisoformat(query["DateSent"][:10])
        if sent is None or sent.date() != day:
            return False
    return True
