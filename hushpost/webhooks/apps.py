from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "hushpost.webhooks"
    label = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from hushpost.activity.log import events_recorded
        from hushpost.activity.models import Event
        from hushpost.webhooks.outbox import on_event_saved, on_events_recorded

        # Saved inside activity.log.record()'s transaction: the outbox rows
        # commit (or roll back) with the event.
        post_save.connect(on_event_saved, sender=Event, dispatch_uid="hushpost.webhooks.outbox")
        events_recorded.connect(
            on_events_recorded, sender=Event, dispatch_uid="hushpost.webhooks.outbox.many"
        )
