"""A language as address books write it ("German", "Deutsch", "es-MX", "中文") → our code.

The names come from Django's own language data (LANG_INFO, in English and in
the language itself) and its translations of those names into every language
we speak ("Alemán", "allemand", "niemiecki"), so nothing here is a
hand-kept list except the few everyday words that name no variant
("Chinese", "Mandarin").
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

from django.conf.locale import LANG_INFO
from django.utils import translation

from hushpost.contacts.models import LANGUAGE_CODES

# Our one Chinese is Simplified; a bare "zh" (or any Chinese) means it.
_CODE_ALIASES = {
    "zh": "zh-hans",
    "zh-cn": "zh-hans",
    "zh-sg": "zh-hans",
    "zh-hant": "zh-hans",
    "zh-tw": "zh-hans",
    "zh-hk": "zh-hans",
}
_EVERYDAY = {
    "chinese": "zh-hans",
    "mandarin": "zh-hans",
    "中文": "zh-hans",
    "汉语": "zh-hans",
    "漢語": "zh-hans",
    "普通话": "zh-hans",
    "chino": "zh-hans",
    "chinois": "zh-hans",
    "chinesisch": "zh-hans",
}


def _key(text: str) -> str:
    # Without accents and Arabic vowel marks: "Español" and "espanol", "العربيّة" and "العربية".
    text = unicodedata.normalize("NFKD", text).strip().lower()
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return re.sub(r"[\s_]+", " ", unicodedata.normalize("NFKC", text))


def _ours(code: str) -> str | None:
    code = code.lower().replace("_", "-")
    code = _CODE_ALIASES.get(code, code)
    if code in LANGUAGE_CODES:
        return code
    base = code.split("-")[0]
    base = _CODE_ALIASES.get(base, base)
    return base if base in LANGUAGE_CODES else None


@cache
def _names() -> dict[str, str]:
    names: dict[str, str] = dict(_EVERYDAY)
    for code, info in LANG_INFO.items():
        ours = _ours(code)
        if ours is None or "name" not in info:
            continue
        names.setdefault(_key(info["name"]), ours)
        names.setdefault(_key(info["name_local"]), ours)
        for spoken in LANGUAGE_CODES:
            with translation.override(spoken):
                names.setdefault(_key(str(translation.gettext(info["name"]))), ours)
    return names


def language_code(raw: str) -> str | None:
    """Our code for a language code or name, or None when it names none we speak."""
    text = (raw or "").strip()
    if not text:
        return None
    code = _ours(text) if re.fullmatch(r"[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*", text) else None
    return code or _names().get(_key(text))
