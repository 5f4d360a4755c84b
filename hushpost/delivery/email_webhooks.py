"""/webhooks/email/<esp>/: an email service's tracking webhook, anymail's own view behind our guard.

anymail checks the HTTP basic auth (ANYMAIL_WEBHOOK_SECRET) and the
service's signature where there is one, then sends its `tracking` signal
(email_tracking.py). The guard fails closed — with no secret configured
every post is refused, where anymail would only warn — and answers a bad or
missing password with 403 and a log line instead of a bare 400.
"""

from __future__ import annotations

import logging

from anymail.exceptions import AnymailWebhookValidationFailure
from anymail.webhooks.mailgun import MailgunTrackingWebhookView
from anymail.webhooks.postmark import PostmarkTrackingWebhookView
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from hushpost.activity.sessions import client_ip

logger = logging.getLogger(__name__)

TRACKING_VIEWS = {
    "postmark": PostmarkTrackingWebhookView.as_view(),
    "mailgun": MailgunTrackingWebhookView.as_view(),
}


@csrf_exempt
def email_tracking(request: HttpRequest, esp: str) -> HttpResponse:
    view = TRACKING_VIEWS.get(esp)
    # Only the service in use listens: the others' views would need settings nobody gave.
    if view is None or esp != settings.HUSHPOST_EMAIL_ESP:
        raise Http404("no such email service")
    if not getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
        logger.warning(
            "%s tracking webhook from %s refused: ANYMAIL_WEBHOOK_SECRET is not set",
            esp,
            client_ip(request),
        )
        return HttpResponse("webhook secret not configured", status=403, content_type="text/plain")
    try:
        return view(request)
    except AnymailWebhookValidationFailure as error:
        logger.warning(
            "%s tracking webhook from %s refused: %s",
            esp,
            client_ip(request),
            error.args[0] if error.args else "",
        )
        return HttpResponse("invalid credentials", status=403, content_type="text/plain")
