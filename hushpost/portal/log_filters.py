"""Keep secure link tokens out of the logs.

Django logs the path of every 4xx and 5xx response ("Bad Request: /s/<token>"
after a wrong PIN, "Not Found: /s/<token>" for a revoked link) and of every
CSRF refusal. Under /s/ the path is the contact's link: settings.LOGGING puts
this filter on those loggers, so every handler gets the path without it.
"""

from __future__ import annotations

import logging
import re

# A token is secrets.token_urlsafe(32): 43 URL-safe characters. The portal's
# own words after /s/ ("conversation", "signed-out") are shorter, and stay.
# An appointment's confirmation link (/s/confirm/<id>:<signature>) is hidden too.
TOKEN_IN_PATH = re.compile(r"/s/(confirm/)?[A-Za-z0-9_:-]{20,}")
HIDDEN = "/s/[link]"


def hide_tokens(text: str) -> str:
    return TOKEN_IN_PATH.sub(lambda found: f"/s/{found.group(1) or ''}[link]", text)


def _hidden(value):
    return hide_tokens(value) if isinstance(value, str) else value


class HideLinkTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = _hidden(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_hidden(value) for value in record.args)
        elif isinstance(record.args, dict):
            record.args = {key: _hidden(value) for key, value in record.args.items()}
        return True
