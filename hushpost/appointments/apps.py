from django.apps import AppConfig


class AppointmentsConfig(AppConfig):
    name = "hushpost.appointments"
    label = "appointments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Registers auto message templates with Field settings' in-use check.
        from hushpost.appointments import auto_messages  # noqa: F401
