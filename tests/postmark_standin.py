"""A local stand-in for Postmark's email API, over real HTTP.

django-anymail's Postmark backend talks to it exactly as it would to
api.postmarkapp.com (the `postmark_standin` fixture points POSTMARK's
api_url here), so tests cover anymail, our timeouts and our error mapping.
It records every request and answers like Postmark: 200 with a MessageID,
422 with Postmark's ErrorCode for an inactive or invalid recipient, or
whatever the script says next.

    postmark_standin.script(Reply(500), Reply(429, headers={"Retry-After": "120"}))
    postmark_standin.inactive.add("gone@example.com")   # 422, ErrorCode 406
    postmark_standin.script(Reply.slow(2.0))  # takes the message, but answers too late
"""

from __future__ import annotations

import datetime
import json
import secrets
import time
import uuid
from dataclasses import dataclass
from email.utils import parseaddr

from tests import http_standin


@dataclass
class Reply(http_standin.Reply):
    """One scripted answer. status None means "answer as Postmark would" (after `delay`)."""

    @classmethod
    def error(cls, status: int, code: int, message: str, **headers: str) -> Reply:
        return cls(status, {"ErrorCode": code, "Message": message}, dict(headers))


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    json: dict | list | None
    status: int = 0
    # The request body exactly as it arrived, for tests about what goes on the wire.
    raw: bytes = b""


class _Handler(http_standin.StandinHandler):
    standin: PostmarkStandin

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            data = json.loads(raw or b"null")
        except ValueError:
            data = None
        recorded = self._record(
            Recorded(self.command, self.path, dict(self.headers.items()), data, raw=raw)
        )
        if not secrets.compare_digest(
            self.headers.get("X-Postmark-Server-Token", ""), self.standin.server_token
        ):
            return self._answer(
                recorded,
                401,
                {"ErrorCode": 10, "Message": "Request does not contain a valid Server token."},
            )
        if self.path != "/email" or not isinstance(data, dict):
            return self._answer(
                recorded, 422, {"ErrorCode": 402, "Message": "Received invalid JSON input."}
            )
        reply = self.standin._next_reply()
        if reply.status is None:
            # Postmark's side of a slow answer: the email is on its way even if the client gave up.
            status, body = self.standin._accept(data)
            time.sleep(reply.delay)
            return self._answer(recorded, status, body, reply.headers)
        return self._answer(
            recorded,
            reply.status,
            reply.body or {"ErrorCode": reply.status, "Message": "scripted"},
            reply.headers,
        )


class PostmarkStandin(http_standin.HttpStandin):
    reply_type = Reply
    handler_type = _Handler

    def __init__(self, port: int, server_token: str | None = None):
        super().__init__(port)
        self.server_token = server_token or str(uuid.uuid4())
        self.messages: dict[str, dict] = {}  # the emails "sent", by MessageID
        self.inactive: set[str] = (
            set()
        )  # addresses Postmark has suppressed (hard bounce, complaint)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def sent(self) -> list[dict]:
        """The emails accepted, oldest first (Postmark's JSON, plus "MessageID")."""
        return list(self.messages.values())

    def _accept(self, data: dict) -> tuple[int, dict]:
        to = data.get("To") or ""
        address = parseaddr(to)[1].lower()
        if "." not in address.rpartition("@")[2]:
            return 422, {"ErrorCode": 300, "Message": f"Invalid 'To' address: '{to}'."}
        if address in self.inactive:
            return 422, {
                "ErrorCode": 406,
                "Message": "You tried to send to a recipient that has been marked as inactive.\n"
                f"Found inactive addresses: {address}.\n"
                "Inactive recipients are ones that have generated "
                "a hard bounce or a spam complaint. ",
            }
        message_id = str(uuid.uuid4())
        with self._lock:
            self.messages[message_id] = {**data, "MessageID": message_id}
        submitted = datetime.datetime.now(datetime.UTC).isoformat()
        return 200, {
            "To": to,
            "SubmittedAt": submitted,
            "MessageID": message_id,
            "ErrorCode": 0,
            "Message": "OK",
        }
