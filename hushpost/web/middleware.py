from django.conf import settings
from django.utils import translation
from django.utils.cache import add_never_cache_headers

from hushpost.languages import STAFF_LANGUAGES
from hushpost.private_page import has_private_page_headers

STAFF_CODES = {code for code, _ in STAFF_LANGUAGES}
# Paths with a language of their own: the contact's pages and emails choose theirs
# (portal/language.py), the API and webhooks speak English to programs.
OWN_LANGUAGE = ("/s/", "/u/", "/api/", "/webhooks/")


class NoStoreMiddleware:
    """Pages carry contact data: no browser or proxy may keep a copy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not has_private_page_headers(response):  # which are never-cache already
            add_never_cache_headers(response)
        return response


class StaffLanguageMiddleware:
    """Staff pages in the language the signed-in person chose (Preferences); before
    signing in, the browser's if the staff app speaks it, else English."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(OWN_LANGUAGE):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            language = user.language
        else:
            language = translation.get_language_from_request(request)
        if language not in STAFF_CODES:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
