from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "hushpost.web"
    label = "web"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.core.signals import request_finished, request_started
        from django.db.backends.signals import connection_created

        # Registers the install's system checks (hushpost.E001…).
        from hushpost import checks, connection_checks  # noqa: F401
        from hushpost.log_context import on_request_finished, on_request_started

        # Every line logged while a request is served carries its id.
        request_started.connect(on_request_started, dispatch_uid="hushpost.request_id")
        request_finished.connect(on_request_finished, dispatch_uid="hushpost.request_id_end")
        # A connection that answered a moment ago skips the per-request health check.
        connection_created.connect(
            connection_checks.on_connection_created, dispatch_uid="hushpost.answered"
        )
        request_started.connect(
            connection_checks.on_request_started, dispatch_uid="hushpost.proven_connections"
        )
