"""The text of an uploaded file, whatever encoding the program that wrote it chose.

Every import reads its upload through `decode_upload`. A byte-order mark
decides first (Excel's "Unicode text" is UTF-16 LE with one), then strict
UTF-8. Anything else is detected with charset-normalizer — with one
correction: on short files it takes Windows-1252 for a neighbouring code page
as readily as for the right one (Outlook's "ANSI" export of "Åström" read as
"Ĺström" in Windows-1250), so when the bytes read cleanly as Windows-1252,
the common Western code page of the address books and calendars we import,
that reading wins. A file that reads as nothing is refused.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass

from charset_normalizer import from_bytes
from charset_normalizer.md import mess_ratio

BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)
# A Windows-1252 reading this messy (charset-normalizer's measure) is not Western text.
WESTERN_MESS_LIMIT = 0.1
# The most any other reading may be; beyond it the file is noise, not text.
MESS_LIMIT = 0.2
# A symbol from Latin-1's upper half glued to letters ("Wa³êsa", "£ukasz") is the
# mark of Central European text read as Western; real Western text has none.
_SYMBOL_IN_WORD = re.compile(r"(?<=[^\W\d_])[\xa1-\xbf\xd7\xf7]|[\xa1-\xbf\xd7\xf7](?=[^\W\d_])")
_NAMES = {
    "cp1252": "Windows-1252",
    "utf_8": "UTF-8",
    "utf_16": "UTF-16",
    "utf_16_le": "UTF-16 LE",
    "utf_16_be": "UTF-16 BE",
    "utf_32": "UTF-32",
    "latin_1": "ISO-8859-1",
    "iso8859_15": "ISO-8859-15",
    "mac_roman": "Mac Roman",
}


class UndecodableFile(ValueError):
    """The file is not text in any encoding we can recognise; the message says so."""


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str  # As shown to people: "UTF-8", "Windows-1252", "UTF-16 LE", …


NOT_TEXT = (
    "The file is not text in any encoding we recognise (it may be a spreadsheet, a PDF or "
    "an image). Save it as UTF-8 text (“CSV UTF-8”, .ics or .vcf) and upload that."
)


def decode_upload(data: bytes) -> DecodedText:
    for bom, codec, name in BOMS:
        if data.startswith(bom):
            try:
                return DecodedText(data[len(bom) :].decode(codec), name)
            except UnicodeDecodeError:
                raise UndecodableFile(
                    f"The file starts like {name} text but isn't; save it again as UTF-8."
                ) from None
    if b"\x00" not in data:
        try:
            return DecodedText(data.decode("utf-8"), "UTF-8")
        except UnicodeDecodeError:
            pass
        western = _western(data)
        if western is not None:
            return DecodedText(western, "Windows-1252")
    return _detected(data)


def _western(data: bytes) -> str | None:
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None  # A byte Windows-1252 leaves undefined.
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f" for ch in text):
        return None
    if _SYMBOL_IN_WORD.search(text) or mess_ratio(text, WESTERN_MESS_LIMIT) >= WESTERN_MESS_LIMIT:
        return None
    return text


def _detected(data: bytes) -> DecodedText:
    best = from_bytes(data).best()
    if best is None or best.chaos > MESS_LIMIT:
        raise UndecodableFile(NOT_TEXT)
    # Without a BOM, NUL bytes are only text in UTF-16 or UTF-32.
    if b"\x00" in data and not best.encoding.startswith(("utf_16", "utf_32")):
        raise UndecodableFile(NOT_TEXT)
    text = str(best)
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t\f" for ch in text):
        raise UndecodableFile(NOT_TEXT)
    name = _NAMES.get(best.encoding, best.encoding.replace("_", "-").upper())
    return DecodedText(text.removeprefix("\ufeff"), name)
