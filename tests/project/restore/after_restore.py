"""Use a restored database as the restored install would; run by tests/project/test_backup.py.

Its one argument is JSON: the link token and PIN the contact was sent, the
message body. With "read_only" it only tries to decrypt the message (the
restore without its key ring); otherwise the contact opens the old link with
the PIN on the portal, reads the conversation, and the worker runs once over
what the restored queue holds. Prints one JSON line (prefixed RESTORED).
"""

from __future__ import annotations

import json
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from hushpost.crypto.keyring import DecryptionError  # noqa: E402
from hushpost.delivery.models import Delivery  # noqa: E402
from hushpost.messaging.models import Message  # noqa: E402

given = json.loads(sys.argv[1])
found: dict[str, object] = {}
try:
    found["bodies"] = sorted(message.body for message in Message.objects.all())
except DecryptionError as error:
    found["bodies"] = None
    found["decryption_error"] = str(error)[:200]

if not given.get("read_only"):
    portal = Client(HTTP_HOST="127.0.0.1")
    opened = portal.post(f"/s/{given['token']}", {"pin": given["pin"]})
    found["link_status"] = opened.status_code
    found["link_location"] = opened.get("Location", "")
    page = portal.get("/s/conversation/").content.decode() if opened.status_code == 302 else ""
    found["conversation_shows_body"] = given["body"] in page
    call_command(
        "worker",
        "--batch",
        "--no-reload",
        "--no-startup-delay",
        "--queue-name=*",
        "--webhook-threads=0",
        verbosity=0,
    )
    found["statuses"] = sorted(Delivery.objects.values_list("status", flat=True))

print("RESTORED " + json.dumps(found, default=str))
