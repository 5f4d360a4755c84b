from django.urls import path

from hushpost.delivery import webhooks

urlpatterns = [
    path("twilio/status", webhooks.twilio_status, name="twilio_status"),
    path("twilio/voice-status", webhooks.twilio_voice_status, name="twilio_voice_status"),
]
