"""The language switch's options, written once per process for each page language.

Every page that knows the contact carries the switch (portal/language.py): as a
template loop over the eleven languages it cost a quarter of the conversation
page's rendering. The options are the same for everyone (each language named in
itself, the page's own one selected), so only the active language is the key;
nothing of the contact's is in them.
"""

from __future__ import annotations

import html
from functools import lru_cache

from django import template
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from hushpost.portal.language import choices

register = template.Library()


@register.simple_tag
def language_options() -> SafeString:
    return _options(get_language())


@lru_cache(maxsize=64)
def _options(current: str) -> SafeString:
    return SafeString(
        "".join(
            f'<option value="{html.escape(code)}" lang="{html.escape(code)}"'
            f"{' selected' if code == current else ''}>{html.escape(name)}</option>"
            for code, name in choices()
        )
    )
