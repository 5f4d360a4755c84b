"""Who a message is from, as staff should read it.

An auto message goes out on behalf of the appointment's staff member (so
`{{ user.name }}` is theirs), but nobody wrote it: the thread says
"Automated · Reminder 1 day before", never the staff member's name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from hushpost.appointments.auto_messages import labels_for_sends
from hushpost.messaging.models import Direction, Message, Origin

AUTOMATED = pgettext_lazy("sender", "Automated")
API_PREFIX = "api: "


@dataclass(frozen=True)
class Sender:
    name: str
    automated: bool = False
    person: bool = False


def senders(messages: Iterable[Message]) -> dict:
    """Each message's sender by message id; one query for the auto messages' names."""
    messages = list(messages)
    automated = labels_for_sends(
        {m.send_id for m in messages if m.origin == Origin.AUTO and m.send_id}
    )
    return {m.pk: sender(m, automated) for m in messages}


def sender(message: Message, automated: dict) -> Sender:
    if message.direction == Direction.INBOUND:
        return Sender(message.contact.name)
    if message.origin == Origin.AUTO:
        name = automated.get(message.send_id)
        return Sender(
            f"{AUTOMATED} · {name}" if name else str(_("Automated message")), automated=True
        )
    if message.author is not None:
        return Sender(message.author.display_name, person=True)
    label = message.send.actor_label if message.send else ""
    if message.origin == Origin.API or label.startswith(API_PREFIX):
        key = label.removeprefix(API_PREFIX)
        through = _("%(automated)s · through the API") % {"automated": AUTOMATED}
        return Sender(through + (f" ({key})" if key else ""), True)
    return Sender(label or message.get_origin_display())
