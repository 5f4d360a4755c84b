"""Fill a database the way the v0.1.0 release writes it, through that release's own code.

Run by tests/project/test_upgrade.py with the release's tree first on
PYTHONPATH, after that tree's migrations. Only v0.1.0's API may be used here:
this file is about the old release, not the current code. It prints one JSON
line (prefixed FILLED) with what the current code must read back.
"""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

import hushpost  # noqa: E402
from hushpost.accounts.models import Organization, Role, User  # noqa: E402
from hushpost.activity.log import record  # noqa: E402
from hushpost.activity.models import Event, EventKind  # noqa: E402
from hushpost.appointments.models import Appointment  # noqa: E402
from hushpost.appointments.services import save_appointment  # noqa: E402
from hushpost.contacts.models import Contact, CustomField  # noqa: E402
from hushpost.delivery.models import Delivery, OutboxEntry  # noqa: E402
from hushpost.messaging.compose import NewAttachment, send_message  # noqa: E402
from hushpost.messaging.models import SecureMessagingSettings  # noqa: E402

BODY = "Upgrade-secret 4471: your scan shows nothing to worry about"
EMAIL_BODY = "Upgrade-secret 7713: the settlement offer"
PIN = "Q7Z3K9W2"
DEFAULT_PIN = "D4F8P6N2"
SENSITIVE = "POL-55821"
ATTACHMENT = b"%PDF-1.4 upgrade results"


def run_worker() -> None:
    call_command(
        "db_worker", "--batch", "--no-reload", "--no-startup-delay", "--queue-name=*", verbosity=0
    )


org = Organization.objects.create(
    name="Riverside Clinic",
    company_name="Riverside Clinic",
    slug="riverside",
    time_zone="America/New_York",
    country="US",
)
alice = User.objects.create_user(
    "alice@riverside.example",
    "correct horse battery staple",
    first_name="Alice",
    last_name="Lee",
    organization=org,
    role=Role.OWNER,
)
secure = SecureMessagingSettings.objects.for_org(org)
secure.enabled = True
secure.default_pin = DEFAULT_PIN
secure.save()
CustomField.objects.create(organization=org, key="policy", label="Policy number", sensitive=True)

jane = Contact(
    organization=org, name="Jane Roe", phone="+14155550100", custom={"policy": SENSITIVE}
)
jane.secure_pin = PIN
jane.save()
sam = Contact.objects.create(organization=org, name="Sam Poe", email="sam@example.com")

# A secure text with a file, sent by the release's worker through the development outbox.
send_message(
    org,
    contacts=[jane],
    channel="sms",
    secure=True,
    sender=alice,
    body=BODY,
    attachments=[NewAttachment("scan.pdf", "application/pdf", ATTACHMENT)],
)
run_worker()
sent = OutboxEntry.objects.get(to=jane.phone)
token = re.search(r"/s/([A-Za-z0-9_-]{20,})", sent.body).group(1)

# A secure email left queued when the release stops: the current worker must send it, once.
send_message(org, contacts=[sam], channel="email", secure=True, sender=alice, body=EMAIL_BODY)
queued = Delivery.objects.get(contact=sam)

start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
appointment = save_appointment(
    Appointment(
        organization=org,
        contact=jane,
        start=start,
        end=start + timedelta(minutes=30),
        title="Follow-up",
        location="Room 4",
        staff=alice,
    ),
    actor=alice,
    created=True,
)
record(org, EventKind.SETTINGS_CHANGED, actor=alice, section="secure messaging")

print(
    "FILLED "
    + json.dumps(
        {
            "release_code": hushpost.__file__,
            "org": org.slug,
            "token": token,
            "pin": PIN,
            "default_pin": DEFAULT_PIN,
            "body": BODY,
            "attachment": ATTACHMENT.decode(),
            "sensitive": SENSITIVE,
            "jane": jane.pk,
            "sam": sam.pk,
            "sent_delivery": sent.delivery_id,
            "queued_delivery": queued.pk,
            "queued_status": queued.status,
            "appointment": str(appointment.pk),
            "appointment_start": start.isoformat(),
            "events": sorted(Event.objects.values_list("kind", flat=True)),
        },
        default=str,
    )
)
