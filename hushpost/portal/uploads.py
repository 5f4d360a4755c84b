"""Files a contact attaches to a reply: common documents and images only.

The type comes from the extension we allow and is confirmed by the file's
first bytes; what the browser claims is ignored, since staff open these
files and an executable renamed to .pdf must not get through.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from hushpost.messaging.conversations import MAX_REPLY_ATTACHMENT_BYTES

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Office 97–2003 documents


@dataclass(frozen=True)
class FileType:
    content_type: str
    # The file must start with one of these; None means text (no NUL bytes).
    magic: tuple[bytes, ...] | None


ALLOWED = {
    "pdf": FileType("application/pdf", (b"%PDF-",)),
    "txt": FileType("text/plain", None),
    "csv": FileType("text/csv", None),
    "rtf": FileType("application/rtf", (b"{\\rtf",)),
    "doc": FileType("application/msword", _OLE),
    "docx": FileType(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP
    ),
    "xls": FileType("application/vnd.ms-excel", _OLE),
    "xlsx": FileType("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "ppt": FileType("application/vnd.ms-powerpoint", _OLE),
    "pptx": FileType(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP
    ),
    "odt": FileType("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": FileType("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    "odp": FileType("application/vnd.oasis.opendocument.presentation", _ZIP),
    "jpg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": FileType("image/jpeg", (b"\xff\xd8\xff",)),
    "png": FileType("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "gif": FileType("image/gif", (b"GIF87a", b"GIF89a")),
    "webp": FileType("image/webp", (b"RIFF",)),
    "heic": FileType("image/heic", None),
    "heif": FileType("image/heif", None),
}
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


def _looks_like(kind: FileType, ext: str, data: bytes) -> bool:
    if ext in {"heic", "heif"}:
        return data[4:8] == b"ftyp"
    if ext == "webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if kind.magic is None:
        return b"\x00" not in data
    return data.startswith(kind.magic)


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
    if not _looks_like(kind, ext, data):
        raise UploadRefused(
            _("This file doesn't look like a .%(ext)s file, so it can't be sent.") % {"ext": ext}
        )
    return name, kind.content_type, data


def too_big_message() -> str:
    return _("The file is too big. Files can be up to %(size)s.") % {
        "size": filesizeformat(MAX_REPLY_ATTACHMENT_BYTES)
    }
