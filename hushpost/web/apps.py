from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hushpost.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the install's system checks (hushpost.E001…).
        from hushpost import checks  # noqa: F401
