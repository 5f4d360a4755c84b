"""Emails to staff in each recipient's own language (User.language).

Staff emails (a reply arrived, a contact can't come, a feed or webhook
failing, a message viewed) go to several people at once; each reads the
staff app in English or Spanish, so the recipients are grouped by language
and each group gets the email written in theirs.
"""

from __future__ import annotations

from collections.abc import Iterable

from hushpost.accounts.models import User
from hushpost.languages import STAFF_LANGUAGES

STAFF_CODES = {code for code, _name in STAFF_LANGUAGES}


def by_language(emails: Iterable[str]) -> dict[str, list[str]]:
    """{language: [email, …]}, in the order given; an address of nobody's, or a language
    the staff app doesn't speak, reads English."""
    emails = list(emails)
    languages = dict(User.objects.filter(email__in=emails).values_list("email", "language"))
    groups: dict[str, list[str]] = {}
    for address in emails:
        language = languages.get(address) or "en"
        groups.setdefault(language if language in STAFF_CODES else "en", []).append(address)
    return groups
