"""POST /webhooks/twilio/sms: a text sent to one of our Twilio numbers.

Here rather than in hushpost.delivery because it writes conversation messages:
messaging may use delivery, not the other way round. The signature check is
delivery's, the same as for status callbacks.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.messaging_response import MessagingResponse

from hushpost.delivery.webhooks import twilio_signature_ok
from hushpost.messaging.inbound import receive_text


@csrf_exempt
@require_POST
def twilio_sms(request: HttpRequest) -> HttpResponse:
    if not twilio_signature_ok(request):
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    result = receive_text(request.POST.dict())
    twiml = MessagingResponse()
    if result.answer:
        twiml.message(result.answer)
    # Everything else, unknown senders and repeats included, gets an empty answer:
    # a 200 that tells Twilio to send nothing back and not to retry.
    return HttpResponse(str(twiml), content_type="text/xml")
