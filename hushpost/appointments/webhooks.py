"""POST /webhooks/twilio/voice-gather: the key a contact pressed at the end of a
voice reminder that asked "press 1 to confirm, 2 if you can't come".

Signed by Twilio like the other webhooks. The call is found by its CallSid
(the delivery's provider id), and the appointment by the auto message that
placed it; the answer goes through appointments.answers like every other.
What we say back is TwiML, in the contact's language.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.twiml.voice_response import VoiceResponse

from hushpost.appointments.answer_words import Said
from hushpost.appointments.answers import Outcome, answer
from hushpost.appointments.models import AnswerChannel, DueSend
from hushpost.delivery.models import Channel
from hushpost.delivery.webhooks import twilio_signature_ok

KEYS = {"1": Said.CONFIRM, "2": Said.CANT_COME}


def _said_back(outcome: Outcome | None, said: Said | None) -> str:
    if outcome is None:
        return gettext("Sorry, we couldn't find that appointment. Please call us. Goodbye.")
    if outcome in (Outcome.STARTED, Outcome.CLOSED):
        return gettext("Sorry, this appointment can no longer be answered by phone. Goodbye.")
    if said == Said.CONFIRM:
        return gettext("Thank you, your appointment is confirmed. Goodbye.")
    return gettext("Thank you for letting us know. We'll be in touch. Goodbye.")


@csrf_exempt
@require_POST
def twilio_voice_gather(request: HttpRequest) -> HttpResponse:
    if not twilio_signature_ok(request):
        return HttpResponse("invalid signature", status=403, content_type="text/plain")
    sid = request.POST.get("CallSid", "")
    due = (
        DueSend.objects.filter(
            delivery__provider_id=sid, delivery__channel=Channel.VOICE, delivery__ask_keypress=True
        )
        .select_related("appointment__contact", "appointment__organization")
        .first()
        if sid
        else None
    )
    said = KEYS.get(request.POST.get("Digits", "").strip())
    response = VoiceResponse()
    language = due.appointment.contact.language if due is not None else "en"
    with translation.override(language or "en"):
        if said is None:
            # Any other key (or none): ask once more, then the call ends by itself.
            if due is not None:
                gather = response.gather(num_digits=1, method="POST", timeout=8)
                gather.say(gettext("Press 1 to confirm, or 2 if you can't come."))
            return HttpResponse(response.to_xml(), content_type="text/xml")
        outcome = None
        if due is not None:
            outcome = answer(
                due.appointment, said, channel=AnswerChannel.VOICE, provider_id=sid
            ).outcome
        response.say(_said_back(outcome, said))
    return HttpResponse(response.to_xml(), content_type="text/xml")
