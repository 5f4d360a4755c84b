from django.apps import AppConfig


class ActivityConfig(AppConfig):
    name = "hushpost.activity"
    label = "activity"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from hushpost.activity import sessions

        user_logged_in.connect(sessions.on_signed_in, dispatch_uid="hushpost.activity.signed_in")
        user_logged_out.connect(sessions.on_signed_out, dispatch_uid="hushpost.activity.signed_out")
