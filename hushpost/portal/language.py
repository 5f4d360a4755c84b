"""The language a contact's page is shown in, and the switch that changes it.

A page that knows the contact opens in the contact's `language`; the switch
on it (a plain form) keeps another choice in a cookie for the rest of the
visit. The cookie lives only as long as the browser session, under /s/, and
sign-out forgets it. Pages that know no contact follow Accept-Language: they
must not reveal whose link it was, so nothing of the contact's carries over.
"""

from __future__ import annotations

from django.conf import settings
from django.conf.locale import LANG_INFO
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme

from hushpost.languages import LANGUAGE_CODES, LANGUAGES

COOKIE_NAME = "hushpost_portal_language"
COOKIE_PATH = "/s/"


def chosen_language(request: HttpRequest) -> str | None:
    code = request.COOKIES.get(COOKIE_NAME, "")
    return code if code in LANGUAGE_CODES else None


def page_language(request: HttpRequest, contact_language: str | None) -> str:
    """The language of a portal page: the switch's choice, else the contact's, else the
    browser's (for pages that know no contact)."""
    if contact_language is None:
        return translation.get_language_from_request(request)
    chosen = chosen_language(request)
    if chosen:
        return chosen
    return contact_language if contact_language in LANGUAGE_CODES else settings.LANGUAGE_CODE


def choices() -> list[tuple[str, str]]:
    """Each language named in itself ("Español", "العربيّة"): a reader who can't read the
    current page can still find their own."""
    return [(code, LANG_INFO[code]["name_local"]) for code, _ in LANGUAGES]


def remember(request: HttpRequest, response: HttpResponse, code: str) -> None:
    response.set_cookie(
        COOKIE_NAME,
        code,
        path=COOKIE_PATH,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
    )


def forget(response: HttpResponse) -> None:
    response.delete_cookie(COOKIE_NAME, path=COOKIE_PATH, samesite="Lax")


def safe_return_path(request: HttpRequest, path: str) -> str:
    """Back to the portal page the switch was on; anything else goes to the portal's root."""
    if (
        path.startswith(COOKIE_PATH)
        and url_has_allowed_host_and_scheme(path, allowed_hosts=None)
        and "\\" not in path
    ):
        return path
    return COOKIE_PATH
