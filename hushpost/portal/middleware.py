from hushpost.private_page import add_private_page_headers

PORTAL_PREFIX = "/s/"


class PortalHeadersMiddleware:
    """The portal's headers on every /s/ response, including server errors
    no view decorator sees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PORTAL_PREFIX):
            add_private_page_headers(response)
        return response
