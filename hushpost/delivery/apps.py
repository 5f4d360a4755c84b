from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "hushpost.delivery"
    label = "delivery"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from anymail.signals import tracking

        from hushpost.delivery.email_tracking import on_tracking

        # An email service's delivered/bounced/complained/opened events → our deliveries.
        tracking.connect(on_tracking, dispatch_uid="hushpost.delivery.email_tracking")
