from django.apps import AppConfig


class SchedulerConfig(AppConfig):
    # No models: an app only so `hushpost manage scheduler` is found.
    name = "hushpost.scheduler"
    label = "scheduler"
