"""Background task of sends fanned out to many recipients; the work is in fan_out.py."""

from django.tasks import task

from hushpost.messaging.fan_out import run_fan_out


@task()
def fan_out_task(send_id: str) -> None:
    run_fan_out(send_id)
