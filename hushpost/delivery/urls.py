from django.urls import path

from hushpost.delivery import email_webhooks, webhooks

urlpatterns = [
    path("twilio/status", webhooks.twilio_status, name="twilio_status"),
    path("twilio/voice-status", webhooks.twilio_voice_status, name="twilio_voice_status"),
    # An email service's tracking events; ".../tracking/" is the address anymail's own docs use.
    path("email/<slug:esp>/", email_webhooks.email_tracking, name="email_tracking"),
    path(
        "email/<slug:esp>/tracking/", email_webhooks.email_tracking, name="email_tracking_anymail"
    ),
]
