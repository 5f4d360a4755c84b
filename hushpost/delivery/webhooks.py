"""Provider webhooks: check the signature, hand the payload to a handler, answer 200."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

from hushpost.delivery.callbacks import apply_twilio_status


def twilio_signature_ok(request: HttpRequest) -> bool:
    """Twilio signs the public URL it called, which is HUSHPOST_BASE_URL +
    path, not our Host header."""
    if not settings.TWILIO_AUTH_TOKEN:
        return False
    url = settings.BASE_URL + request.get_full_path()
    signature = request.headers.get("X-Twilio-Signature", "")
    return RequestValidator(settings.TWILIO_AUTH_TOKEN).validate(
        url, request.POST.dict(), signature
    )


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    if not twilio_signature_ok(request):
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    apply_twilio_status(request.POST.dict())
    # Repeats and unknown messages are answered 200 too: Twilio would otherwise retry them.
    return HttpResponse(status=200)


@csrf_exempt
@require_POST
def twilio_voice_status(request: HttpRequest) -> HttpResponse:
    """A call's progress: completed → delivered; busy, no-answer, failed, canceled → failed."""
    return twilio_status(request)
