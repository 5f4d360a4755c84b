"""Files a contact attaches to a reply: common documents and images only.

The type comes from the extension we allow and is confirmed by the file's
first bytes (messaging/file_types.py); what the browser claims is ignored.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from hushpost.messaging.conversations import MAX_REPLY_ATTACHMENT_BYTES
from hushpost.messaging.file_types import ALLOWED, looks_like

# What the file picker offers; the server decides regardless.
ACCEPT = ",".join(f".{ext}" for ext in ALLOWED)
MAX_NAME_CHARS = 150


class UploadRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def safe_file_name(name: str) -> str:
    """A name that is safe to store and to put in Content-Disposition.

    No path, no control or bidi-format characters (U+202E can make
    "photo<U+202E>fdp.exe" read as "photo exe.pdf"), no characters Windows refuses.
    """
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(ch) == "Zs" else ch
        for ch in name
        if unicodedata.category(ch)[0] != "C" and unicodedata.category(ch) not in {"Zl", "Zp"}
    )
    name = re.sub(r'[<>:"|?*;]', "_", name).strip(" .")
    if not name:
        return "file"
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        ext = f"{dot}{ext}" if dot and len(ext) <= 10 else ""
        name = (stem if ext else name)[: MAX_NAME_CHARS - len(ext)] + ext
    return name


def read_upload(upload: UploadedFile) -> tuple[str, str, bytes]:
    """(safe name, content type, bytes) for receive_reply, or UploadRefused with a
    message for the contact."""
    name = safe_file_name(upload.name or "")
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    kind = ALLOWED.get(ext)
    if kind is None:
        raise UploadRefused(
            _(
                "Files of this type can't be sent. "
                "You can send PDF, Word, Excel, PowerPoint, OpenDocument, "
                "text and CSV files, and images (JPEG, PNG, GIF, WebP, HEIC)."
            )
        )
    if upload.size is not None and upload.size > MAX_REPLY_ATTACHMENT_BYTES:
        raise UploadRefused(too_big_message())
    data = upload.read(MAX_REPLY_ATTACHMENT_BYTES + 1)
    if len(data) > MAX_REPLY_ATTACHMENT_BYTES:
        raise UploadRefused(too_big_message())
    if not data:
        raise UploadRefused(_("The file is empty."))
    if not looks_like(ext, data):
        raise UploadRefused(
            _("This file doesn't look like a .%(ext)s file, so it can't be sent.") % {"ext": ext}
        )
    return name, kind.content_type, data


def too_big_message() -> str:
    return _("The file is too big. Files can be up to %(size)s.") % {
        "size": filesizeformat(MAX_REPLY_ATTACHMENT_BYTES)
    }
