from django.urls import path

from hushpost.delivery import webhooks

urlpatterns = [
    path("twilio/status", webhooks.twilio_status, name="twilio_status"),
]
