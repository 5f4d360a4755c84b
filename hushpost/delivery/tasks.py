"""Background tasks of the delivery app; the work itself is in send.py."""

from django.tasks import task

from hushpost.delivery.send import send_delivery
from hushpost.log_context import bound, new_id


@task()
def send_delivery_task(delivery_id: str, request_id: str = "") -> bool:
    # Logged under the id of the request or scheduler tick that queued it.
    with bound(request_id=request_id or new_id(), delivery_id=delivery_id):
        return send_delivery(delivery_id)
