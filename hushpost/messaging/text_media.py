"""What a picture texted to us (MMS) becomes: a file on the text reply, and a line saying so.

Twilio's inbound webhook names up to ten files (`NumMedia`, `MediaUrl{N}`,
`MediaContentType{N}`). Pictures are fetched from Twilio
(delivery/channels/twilio_media.py: our account's media only, size and
type limits, one deadline) and kept encrypted like any attachment, once
their first bytes confirm they are pictures. Every file, kept or not, adds
a line to the reply, so staff always see that something was sent and,
when it could not be kept, why — and can ask the contact to use the secure
page instead.

The fetch happens inside the webhook, before the reply is stored: the
reply and its files commit together, and FETCH_SECONDS keeps the answer
well inside the 15 seconds Twilio waits for it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hushpost.delivery.channels.twilio_media import MediaNotFetched, fetch_media, readable_size
from hushpost.messaging.file_types import PICTURE_EXTENSIONS, looks_like

# Twilio sends at most ten files with one message, five megabytes in all.
MAX_FILES = 10
MAX_PICTURE_BYTES = 5 * 1024 * 1024
FETCH_SECONDS = 8.0


@dataclass(frozen=True)
class KeptFile:
    file_name: str
    content_type: str
    data: bytes


@dataclass
class TextMedia:
    files: list[KeptFile] = field(default_factory=list)
    # One line per file the contact sent, in order.
    notes: list[str] = field(default_factory=list)


def media_count(params: dict[str, str]) -> int:
    raw = (params.get("NumMedia") or "0").strip()
    return min(int(raw), MAX_FILES) if raw.isdigit() else 0


def _what(content_type: str) -> str:
    major = content_type.partition("/")[0]
    if content_type in {"text/vcard", "text/x-vcard"}:
        return "Contact card"
    return {"image": "Picture", "video": "Video", "audio": "Voice recording"}.get(major, "File")


def _not_kept(what: str, reason: str) -> str:
    return f"[{what} sent by text — it could not be kept: {reason}.]"


def collect_media(params: dict[str, str], *, now: float | None = None) -> TextMedia:
    """Fetch and check the files of one inbound text; never raises for a file."""
    deadline = (now if now is not None else time.monotonic()) + FETCH_SECONDS
    media = TextMedia()
    for index in range(media_count(params)):
        url = params.get(f"MediaUrl{index}") or ""
        claimed = (params.get(f"MediaContentType{index}") or "").split(";")[0].strip().lower()
        what = _what(claimed)
        if claimed not in PICTURE_EXTENSIONS:
            # Not fetched at all: only pictures are kept.
            media.notes.append(_not_kept(what, "only pictures are kept from texts"))
            continue
        try:
            fetched = fetch_media(
                url,
                allowed_types=PICTURE_EXTENSIONS.keys(),
                max_bytes=MAX_PICTURE_BYTES,
                deadline=deadline,
            )
        except MediaNotFetched as error:
            media.notes.append(_not_kept(what, error.reason))
            continue
        ext = PICTURE_EXTENSIONS[fetched.content_type]
        if not looks_like(ext, fetched.data):
            media.notes.append(_not_kept(what, "it isn't the picture it claims to be"))
            continue
        name = f"picture-{index + 1}.{ext}"
        media.files.append(KeptFile(name, fetched.content_type, fetched.data))
        media.notes.append(
            f"[Picture sent by text — attached as {name} ({readable_size(len(fetched.data))}).]"
        )
    return media
