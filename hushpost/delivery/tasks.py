"""Background tasks of the delivery app; the work itself is in send.py."""

from django.tasks import task

from hushpost.delivery.send import send_delivery


@task()
def send_delivery_task(delivery_id: str) -> bool:
    return send_delivery(delivery_id)
