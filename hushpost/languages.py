"""The languages Hushpost speaks, in one place for the settings and the models.

Contacts can have any of these; their pages, notifications and texts come in
it. Staff pick from the shorter list the staff app is translated into.
Adding one is described in docs/OPERATIONS.md ("Languages").
"""

from __future__ import annotations

LANGUAGES = [
    ("en", "English"),
    ("es", "Spanish"),
    ("fr", "French"),
    ("de", "German"),
    ("pt", "Portuguese"),
    ("it", "Italian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("zh-hans", "Chinese (Simplified)"),
    ("vi", "Vietnamese"),
    ("ar", "Arabic"),
]
LANGUAGE_CODES = {code for code, _ in LANGUAGES}

STAFF_LANGUAGES = [("en", "English"), ("es", "Español")]


def language_name(code: str) -> str:
    """The language's name in the language now active ("Spanish", "Español", "Alemán"):
    Django's own translations of its language names, so staff read them in theirs."""
    from django.utils.translation import get_language_info, gettext

    info = get_language_info(code)
    return gettext(info["name"]) if info else code
