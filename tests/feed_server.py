"""A calendar feed on loopback, served as Google, Outlook and iCloud serve a secret iCal address:
`text/calendar` with an ETag and Last-Modified, 304 to a conditional GET that matches.

Tests change `calendar` (the body), or script `answer` to serve an error or an
HTML page instead; every request is recorded with its headers.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Answer:
    """Served instead of the calendar (once each, in order)."""

    status: int
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] | None = None


class _Handler(BaseHTTPRequestHandler):
    server_version = "FeedServer"
    protocol_version = "HTTP/1.1"
    feed: FeedServer

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        feed = self.feed
        with feed.lock:
            feed.requests.append({k.lower(): v for k, v in self.headers.items()})
            scripted = feed.answers.pop(0) if feed.answers else None
            body = feed.calendar
            modified = feed.modified
        if scripted is not None:
            self._send(scripted.status, scripted.body, scripted.content_type, scripted.headers)
            return
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        last_modified = format_datetime(modified, usegmt=True)
        if feed.validators and self.headers.get("If-None-Match") == etag:
            self._send(304, b"", None, {"ETag": etag})
            return
        headers = {"ETag": etag, "Last-Modified": last_modified} if feed.validators else {}
        self._send(200, body, "text/calendar; charset=utf-8", headers)

    def _send(self, status, body, content_type, headers):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if body:
            self.wfile.write(body)


class FeedServer:
    def __init__(self, port: int):
        self.port = port
        self.calendar = b""
        self.modified = datetime(2026, 1, 1, tzinfo=UTC)
        # Whether ETag and Last-Modified are sent (and a matching ETag answered 304).
        self.validators = True
        self.answers: list[Answer] = []
        self.requests: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/calendar/private-7f3a9c/basic.ics"

    def serve(self, calendar: str | bytes) -> None:
        with self.lock:
            self.calendar = calendar.encode() if isinstance(calendar, str) else calendar
            self.modified += timedelta(minutes=1)

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"feed": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


def vevent(
    uid: str,
    start: datetime,
    *,
    minutes: int = 30,
    attendee: str = "mailto:jane.roe@example.com",
    cn: str = "Jane Roe",
    summary: str = "Check-up",
    sequence: int = 0,
    extra: str = "",
) -> str:
    """One VEVENT as Google writes it (UTC times, the client as an attendee)."""
    stamp = "%Y%m%dT%H%M%SZ"
    end = start + timedelta(minutes=minutes)
    who = f"ATTENDEE;CN={cn};ROLE=REQ-PARTICIPANT:{attendee}\r\n" if attendee else ""
    return (
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\n"
        f"DTSTAMP:{start.astimezone(UTC):{stamp}}\r\n"
        f"DTSTART:{start.astimezone(UTC):{stamp}}\r\n"
        f"DTEND:{end.astimezone(UTC):{stamp}}\r\n"
        f"SUMMARY:{summary}\r\n"
        f"SEQUENCE:{sequence}\r\n"
        "ORGANIZER;CN=Riverside Clinic:mailto:front-desk@riverside.example\r\n"
        f"{who}{extra}"
        "END:VEVENT\r\n"
    )


def vcalendar(*events: str) -> str:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
        "CALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\nX-WR-CALNAME:Riverside front desk\r\n"
        + "".join(events)
        + "END:VCALENDAR\r\n"
    )
