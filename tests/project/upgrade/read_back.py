"""Read an upgraded database back with the current code; run by tests/project/test_upgrade.py.

Takes the JSON that fill_release.py printed as its one argument and prints
one JSON line (prefixed READ) with what it found, for the test to judge: the
values decrypted, the old link opened with its PIN on the portal, and what
the current worker sent of the delivery the release left queued.
"""

from __future__ import annotations

import io
import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

import hushpost  # noqa: E402
from hushpost.activity.models import Event  # noqa: E402
from hushpost.appointments.models import Appointment  # noqa: E402
from hushpost.contacts.models import Contact  # noqa: E402
from hushpost.delivery.models import Delivery, OutboxEntry  # noqa: E402
from hushpost.messaging.models import Attachment, Message, SecureMessagingSettings  # noqa: E402

filled = json.loads(sys.argv[1])
jane = Contact.objects.get(pk=filled["jane"])
message = Message.objects.get(contact=jane)
appointment = Appointment.objects.get(pk=filled["appointment"])
events_before = sorted(Event.objects.values_list("kind", flat=True))


def verify_audit() -> str:
    """The chain the upgrade sealed the release's events into, checked (exit 1 raises)."""
    out = io.StringIO()
    call_command("verify-audit", stdout=out)
    return out.getvalue().strip()


audit_after_upgrade = verify_audit()

portal = Client(HTTP_HOST="127.0.0.1")
opened = portal.post(f"/s/{filled['token']}", {"pin": filled["pin"]})
conversation = portal.get("/s/conversation/") if opened.status_code == 302 else None

call_command(
    "worker",
    "--batch",
    "--no-reload",
    "--no-startup-delay",
    "--queue-name=*",
    "--webhook-threads=0",
    verbosity=0,
)
queued = Delivery.objects.get(pk=filled["queued_delivery"])
audit_after_use = verify_audit()

print(
    "READ "
    + json.dumps(
        {
            "current_code": hushpost.__file__,
            "pin": jane.secure_pin,
            "sensitive": jane.custom.get("policy"),
            "default_pin": SecureMessagingSettings.objects.get(
                organization__slug=filled["org"]
            ).default_pin,
            "body": message.body,
            "attachment": Attachment.objects.get(message=message).data.decode(),
            "appointment": [
                appointment.title,
                appointment.start.isoformat(),
                appointment.contact_id,
            ],
            "events_before": events_before,
            "audit_after_upgrade": audit_after_upgrade,
            "audit_after_use": audit_after_use,
            "link_status": opened.status_code,
            "link_location": opened.get("Location", ""),
            "conversation_shows_body": conversation is not None
            and filled["body"] in conversation.content.decode(),
            "queued_status": queued.status,
            "queued_sent_times": OutboxEntry.objects.filter(delivery=queued).count(),
            "sent_delivery_times": OutboxEntry.objects.filter(
                delivery_id=filled["sent_delivery"]
            ).count(),
        },
        default=str,
    )
)
