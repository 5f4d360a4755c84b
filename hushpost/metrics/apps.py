from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "hushpost.metrics"
    label = "metrics"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from hushpost.activity.models import Event
        from hushpost.metrics.events import count_event

        # Counted from the events the portal already records, in whichever process.
        post_save.connect(count_event, sender=Event, dispatch_uid="hushpost.metrics.events")
