"""A whole secure round trip, heard by a webhook receiver on loopback.

An integration sends a secure text through the API; it goes to the Twilio
stand-in over HTTP; Twilio's signed status callback says delivered; the
contact opens the link, types a wrong PIN, the right one, reads, replies,
and later asks for a new link from the expired one. Every step must reach
the receiver as a signed webhook (verified with the `standardwebhooks`
package, as an integrator would), and none may carry the message, the
reply, the PIN, the link, the phone number or the email address.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from hushpost.delivery.models import Delivery
from hushpost.delivery.send import send_delivery
from hushpost.messaging.links import find_link
from hushpost.webhooks import sender
from hushpost.webhooks.endpoints import create_endpoint
from tests.delivery.test_status_callbacks import callback

pytestmark = pytest.mark.django_db

# Letters no hex id or timestamp can hold, so finding them in a payload means a leak.
PIN = "QZX4826"
WRONG_PIN = "JWV9931"
BODY = "Your biopsy results are benign, Jane."
REPLY = "Thank you, that is such a relief."
LINK = re.compile(r"/s/([A-Za-z0-9_-]{40,64})")
ROUND_TRIP = [
    "queued",
    "sent",
    "delivered",
    "link_clicked",
    "pin_wrong",
    "pin_entered",
    "message_viewed",
    "reply_received",
    "expired_link_visited",
    "new_link_requested",
]


def sent_link(twilio_standin) -> str:
    return LINK.search(twilio_standin.requests[-1].form["Body"]).group(1)


def test_every_step_arrives_signed_and_none_carries_content(
    api, org_a, jane, secure_on, twilio_standin, receiver, client, settings
):
    jane.secure_pin = PIN
    jane.save()
    _, secret = create_endpoint(org_a, url=receiver.url, events=ROUND_TRIP)

    sent = api.post(
        "messages", {"contact_ids": [str(jane.pk)], "channel": "sms", "secure": True, "body": BODY}
    )
    assert sent.status_code == 202, sent.content
    delivery = Delivery.objects.get(pk=sent.json()["deliveries"][0]["id"])
    assert send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert callback(client, settings, delivery, "delivered").status_code == 200

    token = sent_link(twilio_standin)
    assert client.get(f"/s/{token}").status_code == 200  # link_clicked
    assert client.post(f"/s/{token}", {"pin": WRONG_PIN}).status_code == 400  # pin_wrong
    assert client.post(f"/s/{token}", {"pin": PIN}).status_code == 302  # pin_entered
    assert client.get("/s/conversation/").status_code == 200  # message_viewed
    assert client.post("/s/conversation/reply", {"body": REPLY}).status_code == 302
    with time_machine.travel(find_link(token).expires_at + timedelta(minutes=1)):
        assert client.get(f"/s/{token}").status_code in (200, 410)  # expired_link_visited
        assert client.post(f"/s/{token}/new-link").status_code == 200  # new_link_requested
        new_delivery = Delivery.objects.exclude(pk=delivery.pk).get()
        assert send_delivery(new_delivery.pk)
    new_token = sent_link(twilio_standin)

    # The last steps happened a day on (the link had expired): send everything due by then.
    while sender.send_due(now=find_link(token).expires_at + timedelta(minutes=5)):
        pass
    payloads = receiver.verified(secret)  # every one signed with the endpoint's secret
    types = [payload["type"] for payload in payloads]
    assert set(types) == set(ROUND_TRIP), types
    assert types.count("queued") == 2 and types.count("sent") == 2  # the new link went out too
    by_type = {payload["type"]: payload["data"] for payload in payloads}
    assert by_type["delivered"]["delivery_id"] == str(delivery.pk)
    assert by_type["delivered"]["status"] == "delivered"
    assert by_type["pin_wrong"]["attempt"] == 1
    assert by_type["reply_received"]["contact_id"] == str(jane.pk)
    assert by_type["message_viewed"]["link_id"] == str(find_link(token).pk)
    ids = [request.headers["webhook-id"] for request in receiver.requests]
    assert len(ids) == len(set(ids)) == len(payloads)

    raw = b"\n".join(request.body for request in receiver.requests).decode()
    for secret_text in (
        BODY,
        "biopsy",
        REPLY,
        PIN,
        WRONG_PIN,
        token,
        new_token,
        jane.phone,
        jane.phone.lstrip("+"),
        jane.email,
        jane.name,
    ):
        assert secret_text not in raw, f"a webhook carried {secret_text!r}"
