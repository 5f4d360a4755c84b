"""The kinds of file a contact may send us, and how each one's first bytes look.

A file's type comes from what we allow, confirmed by its first bytes: what
the sender claims (a browser's type, an extension, a phone's MMS content
type) is never enough, since staff open these files and an executable
renamed to .pdf must not get through. Used for attachments to secure-page
replies (portal/uploads.py) and for pictures texted to us (messaging/text_media.py).
"""

from __future__ import annotations

from dataclasses import dataclass

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Office 97–2003 documents


@dataclass(frozen=True)
class FileType:
    content_type: str
    # The file must start with one of these; None means text (no NUL bytes).
    magic: tuple[bytes, ...] | None


# By file name extension.
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

# Pictures, by content type, with the extension a stored copy is named with.
PICTURE_EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "image/heif": "heif",
}


def looks_like(ext: str, data: bytes) -> bool:
    """True when `data` starts the way a .`ext` file does."""
    kind = ALLOWED[ext]
    if ext in {"heic", "heif"}:
        return data[4:8] == b"ftyp"
    if ext == "webp":
        return data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    if kind.magic is None:
        return b"\x00" not in data
    return data.startswith(kind.magic)
