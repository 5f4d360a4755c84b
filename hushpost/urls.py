from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from hushpost.appointments import webhooks as appointment_webhooks
from hushpost.delivery.tracking import email_open
from hushpost.delivery.unsubscribe_views import email_unsubscribe
from hushpost.messaging import webhooks as messaging_webhooks
from hushpost.web.views.auth import SignInView, StaffPasswordResetView, two_factor_verify
from hushpost.web.views.security_txt import security_txt

urlpatterns = [
    path("accounts/login/", SignInView.as_view(), name="login"),
    path("accounts/two-factor/", two_factor_verify, name="two_factor_verify"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset/",
        StaffPasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("api/v1/", include("hushpost.api.urls")),
    path("s/", include("hushpost.portal.urls")),
    path("webhooks/twilio/sms", messaging_webhooks.twilio_sms, name="twilio_sms"),
    path(
        "webhooks/twilio/voice-gather",
        appointment_webhooks.twilio_voice_gather,
        name="twilio_voice_gather",
    ),
    path("webhooks/", include("hushpost.delivery.urls")),
    path("o/<str:token>.gif", email_open, name="email_open"),
    path("u/<str:token>/", email_unsubscribe, name="email_unsubscribe"),
    path(".well-known/security.txt", security_txt, name="security_txt"),
    # Browsers ask for /favicon.ico on pages that name no icon (the API's docs, files).
    # Lazy: production's static names carry a hash, known only once collected.
    path("favicon.ico", RedirectView.as_view(url=lazy(static, str)("web/favicon.svg"))),
    path("", include("hushpost.web.urls")),
]
