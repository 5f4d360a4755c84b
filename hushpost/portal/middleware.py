from hushpost.portal.decorators import add_portal_headers

PORTAL_PREFIX = "/s/"


class PortalHeadersMiddleware:
    """The portal's headers on every /s/ response, including server errors no view decorator sees."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(PORTAL_PREFIX):
            add_portal_headers(response)
        return response
