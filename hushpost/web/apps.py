from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hushpost.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started

        # Registers the install's system checks (hushpost.E001…).
        from hushpost import checks  # noqa: F401
        from hushpost.log_context import on_request_finished, on_request_started

        # Every line logged while a request is served carries its id.
        request_started.connect(on_request_started, dispatch_uid="hushpost.request_id")
        request_finished.connect(on_request_finished, dispatch_uid="hushpost.request_id_end")
