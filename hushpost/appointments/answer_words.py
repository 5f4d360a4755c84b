"""The words a contact texts to confirm an appointment or to say they can't come.

Compared the way people type on a phone: case, spaces, punctuation and
accents ignored, so "Sí!", "si" and "SI" are one word, and "Xác nhận" is
XACNHAN. The built-in lists cover every language a contact can have
(contacts.models.LANGUAGES); an organization may replace either list.

Twilio's own keywords are never ours: STOP, CANCEL and the rest opt the
sender out at the carrier before we see the text, HELP and START are
answered there, so using one for an appointment would do two things at
once. YES is the exception — Twilio counts it as opt-in, and it is the most
natural confirmation — which is why messaging/inbound.py lets a YES from
someone who is not opted out reach the appointment.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable

from hushpost.messaging.inbound import HELP_WORDS, OPT_IN_WORDS, OPT_OUT_WORDS


class Said(enum.StrEnum):
    CONFIRM = "confirm"
    CANT_COME = "cant_come"


# Per language (contacts.models.LANGUAGES), as a person would type them.
CONFIRM_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("C", "Y", "YES", "CONFIRM", "CONFIRMED", "OK"),
    "es": ("SÍ", "CONFIRMO", "CONFIRMAR", "CONFIRMADO"),
    "fr": ("OUI", "CONFIRME", "CONFIRMER", "CONFIRMÉ"),
    "de": ("JA", "BESTÄTIGT", "BESTÄTIGEN", "BESTÄTIGE"),
    "pt": ("SIM", "CONFIRMO", "CONFIRMAR", "CONFIRMADO"),
    "it": ("SÌ", "CONFERMO", "CONFERMA", "CONFERMATO"),
    "nl": ("JA", "BEVESTIG", "BEVESTIGD"),
    "pl": ("TAK", "POTWIERDZAM"),
    "zh-hans": ("是", "确认", "好"),
    "vi": ("CÓ", "XÁC NHẬN"),
    "ar": ("نعم", "تأكيد", "أؤكد"),
}
CANT_COME_WORDS: dict[str, tuple[str, ...]] = {
    "en": ("N", "NO", "R"),
    "es": ("NO",),
    "fr": ("NON",),
    "de": ("NEIN",),
    "pt": ("NÃO",),
    "it": ("NO",),
    "nl": ("NEE",),
    "pl": ("NIE",),
    "zh-hans": ("不", "不能", "否"),
    "vi": ("KHÔNG",),
    "ar": ("لا",),
}

_SEPARATORS = re.compile(r"[,\n;]+")


def plain(text: str) -> str:
    """The text as compared: letters and digits only, accents dropped, upper case."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    kept = "".join(ch for ch in decomposed if ch.isalnum() and not unicodedata.combining(ch))
    return kept.upper()


# What Twilio answers itself (YES aside, above).
TWILIO_WORDS = frozenset(
    plain(word) for word in (OPT_OUT_WORDS | HELP_WORDS | OPT_IN_WORDS) - {"YES"}
)


def default_words(said: Said) -> list[str]:
    table = CONFIRM_WORDS if said == Said.CONFIRM else CANT_COME_WORDS
    seen: dict[str, str] = {}
    for words in table.values():
        for word in words:
            seen.setdefault(plain(word), word)
    return list(seen.values())


def split_words(text: str) -> list[str]:
    """An organization's list as typed: one word or phrase per line or comma."""
    return [word.strip() for word in _SEPARATORS.split(text or "") if word.strip()]


def word_problems(confirm: Iterable[str], cant_come: Iterable[str]) -> dict[str, list[str]]:
    """Why a pair of lists can't be saved, by list ("confirm_words", "cancel_words")."""
    problems: dict[str, list[str]] = {}
    confirm, cant_come = list(confirm), list(cant_come)
    for name, words in (("confirm_words", confirm), ("cancel_words", cant_come)):
        for word in words:
            key = plain(word)
            if not key:
                problems.setdefault(name, []).append(
                    f"“{word}” has no letters or digits, so no text could match it."
                )
            elif key in TWILIO_WORDS:
                problems.setdefault(name, []).append(
                    f"“{word}” is one of Twilio's own keywords (opt-out, opt-in or help): "
                    "texts saying it stay with Twilio."
                )
    both = {plain(word) for word in confirm} & {plain(word) for word in cant_come}
    if both:
        problems.setdefault("cancel_words", []).append(
            "A word can't both confirm and say “can't come”: "
            + ", ".join(sorted(word for word in cant_come if plain(word) in both))
            + "."
        )
    return problems


def meaning(
    text: str, confirm: Iterable[str] | None = None, cant_come: Iterable[str] | None = None
) -> Said | None:
    """What the text says, if it is one of the words (None: anything else)."""
    key = plain(text)
    if not key:
        return None
    if key in {plain(word) for word in (confirm or default_words(Said.CONFIRM))}:
        return Said.CONFIRM
    if key in {plain(word) for word in (cant_come or default_words(Said.CANT_COME))}:
        return Said.CANT_COME
    return None
