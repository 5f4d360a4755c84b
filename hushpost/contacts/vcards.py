"""Reading vCard files (.vcf, versions 2.1, 3.0 and 4.0; several cards per file) with vobject.

Each card becomes a ContactRecord like a CSV row does, so both go through the
same checks: FN (or N's given, additional and family names), every TEL with
its TYPE or Apple's X-ABLabel, every EMAIL, LANG (4.0) and UID. A card that
can't be parsed is reported on its own; the others import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import vobject

from hushpost.contacts.import_rows import Candidate, ContactRecord
from hushpost.contacts.phone_labels import PhoneKind, phone_kind
from hushpost.imports import reason_texts as texts
from hushpost.imports.reason_texts import english

_CARD = re.compile(r"^BEGIN:VCARD\s*?$.*?^END:VCARD\s*?$", re.IGNORECASE | re.MULTILINE | re.DOTALL)
# Apple writes its own labels as "_$!<Mobile>!$_".
_APPLE_LABEL = re.compile(r"_\$!<(.*?)>!\$_")


@dataclass
class Card:
    line: int  # Where BEGIN:VCARD is, the first line being 1.
    text: str


def split_cards(text: str) -> list[Card]:
    return [
        Card(line=text.count("\n", 0, match.start()) + 1, text=match.group(0))
        for match in _CARD.finditer(text)
    ]


def looks_like_vcard(text: str) -> bool:
    return text.lstrip("\ufeff \r\n\t")[:11].upper() == "BEGIN:VCARD"


def card_record(card: Card) -> ContactRecord:
    record = ContactRecord(line=card.line)
    try:
        parsed = vobject.readOne(card.text, ignoreUnreadable=True)
    except Exception:  # noqa: BLE001
        # vobject raises ParseError and assorted others on a malformed card.
        record.reasons.append(english(texts.BAD_VCARD))
        return record
    contents = parsed.contents
    record.uid = _text(contents, "uid")[:400]
    record.name = _text(contents, "fn")
    if "n" in contents:
        n = contents["n"][0].value
        record.name_parts = [_join(n.given), _join(n.additional), _join(n.family)]
    labels = {
        line.group.lower(): str(line.value) for line in contents.get("x-ablabel", []) if line.group
    }
    for line in contents.get("tel", []):
        types = ",".join(line.params.get("TYPE", []))
        label = labels.get((line.group or "").lower(), types)
        raw = str(line.value).strip()
        if raw.lower().startswith("tel:"):
            raw = raw[4:].split(";", 1)[0]  # tel:+1-555-0100;ext=23 keeps its ext for the check
            ext = re.search(r";ext=([^;]+)", str(line.value), re.IGNORECASE)
            if ext:
                raw = f"{raw} ext. {ext.group(1)}"
        kind = phone_kind(label) if label else PhoneKind.GENERIC
        record.phones.append(
            Candidate(column=f"TEL ({label.lower() or 'no type'})", raw=raw, kind=kind)
        )
    for line in contents.get("email", []):
        record.emails.append(Candidate(column="EMAIL", raw=str(line.value).strip()))
    languages = sorted(contents.get("lang", []), key=_preference)
    if languages:
        record.cells["language"] = ("LANG", str(languages[0].value))
    return record


def _preference(line) -> int:
    try:
        return int(line.params.get("PREF", ["100"])[0])
    except ValueError:
        return 100


def _text(contents: dict, name: str) -> str:
    lines = contents.get(name) or []
    # A repeated property: the first one, never a Python list written out.
    return " ".join(str(lines[0].value).split()) if lines else ""


def _join(part) -> str:
    if isinstance(part, (list, tuple)):
        return " ".join(str(p) for p in part if p)
    return str(part or "")
