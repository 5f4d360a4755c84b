"""`hushpost manage send-webhooks --once`: the thread pool sends everything due, then stops."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from standardwebhooks import Webhook

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.webhooks.endpoints import create_endpoint
from hushpost.webhooks.models import MessageStatus, WebhookMessage

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_pool_sends_every_due_message_to_every_endpoint(org_a, org_b, jane, receiver):
    _, ours = create_endpoint(org_a, url=receiver.url, events=["sent"])
    _, theirs = create_endpoint(org_b, url=receiver.url + "?org=b", events=["contact_created"])
    for _ in range(5):
        record(org_a, EventKind.SENT, contact=jane)
    record(org_b, EventKind.CONTACT_CREATED)
    call_command("send-webhooks", "--once", "--threads", "3")
    assert set(WebhookMessage.objects.values_list("status", flat=True)) == {MessageStatus.SUCCEEDED}
    types = []
    for request in receiver.requests:
        secret = theirs if "org=b" in request.path else ours
        types.append(Webhook(secret).verify(request.body, request.headers)["type"])
    assert sorted(types) == ["contact_created"] + ["sent"] * 5


def test_no_threads_is_refused():
    with pytest.raises(CommandError, match="--threads must be 1 or more"):
        call_command("send-webhooks", "--once", "--threads", "0")
