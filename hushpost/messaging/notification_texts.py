"""Which notification a contact gets, and the language it is written in (R1.2, R1.3).

An organization writes its notification once (the default, read as English)
and may add a variant per contact language. A contact gets the variant in
their language; failing that, the text we ship in their language while the
organization still uses our default; failing that, the organization's own.
Subject and body are chosen one by one, and each remembers its language, so a
date rendered into a text is written in the language of that text, never in
another ("on 9. Dezember" inside an English sentence).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.utils import translation

from hushpost.languages import LANGUAGE_CODES
from hushpost.messaging.models import DEFAULT_BODY, DEFAULT_SUBJECT, SecureMessagingSettings

PARTS = ("subject", "body")
# The language an organization's own default text is taken to be written in.
DEFAULT_LANGUAGE = django_settings.LANGUAGE_CODE
_SHIPPED = {"subject": DEFAULT_SUBJECT, "body": DEFAULT_BODY}


@dataclass(frozen=True)
class Text:
    source: str  # a Liquid template
    language: str  # what it is written in; dates rendered into it follow


def normalized_translations(raw: Mapping[str, Mapping[str, str]] | None) -> dict:
    """Variants as stored: trimmed, one kind of line break, languages with nothing typed
    left out (a form posts every language's empty fields)."""
    result: dict[str, dict[str, str]] = {}
    for code, variant in (raw or {}).items():
        parts = {
            part: (str((variant or {}).get(part) or ""))
            .replace("\r\n", "\n")
            .replace("\r", "\n")
            .strip()
            for part in PARTS
        }
        if any(parts.values()):
            result[str(code)] = parts
    return dict(sorted(result.items()))


def unknown_language_problem(code: str) -> str | None:
    if code in LANGUAGE_CODES:
        return None
    return f"{code!r} is not a contact language; use one of {', '.join(sorted(LANGUAGE_CODES))}."


def text_for(settings: SecureMessagingSettings, part: str, language: str) -> Text:
    """The subject or body a contact who reads `language` gets."""
    variant = (settings.translations or {}).get(language) or {}
    if variant.get(part):
        return Text(variant[part], language)
    own = getattr(settings, part)
    if own == _SHIPPED[part] and language in LANGUAGE_CODES:
        with translation.override(language):
            return Text(translation.gettext(own), language)
    return Text(own, DEFAULT_LANGUAGE)
