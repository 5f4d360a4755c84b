"""What a staff member's home page gathers: the work of the day, each item
linking to where it is handled.

Unread replies (mine, nobody's), today's and tomorrow's appointments with
their reminders and confirmations, deliveries a person must look at, sends
still going out, and imports (contacts, appointments, calendars) that failed
or are still running. Each comes from its own app's
queries; this module only puts them side by side.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count
from django.utils import timezone

from hushpost.accounts.models import Organization, User
from hushpost.appointments.agenda import AgendaDay, agenda, filtered, next_day_with_appointments
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.imports.models import ImportRun, ImportStatus
from hushpost.messaging.models import Conversation, Send

# Each list shows this many, with a link to the rest.
SHOWN = 5
# Deliveries and imports older than this are history, not today's work.
RECENT = timedelta(days=7)


@dataclass
class Replies:
    mine: list[Conversation]
    mine_count: int
    nobodys: list[Conversation]
    nobodys_count: int
    colleagues_count: int
    total: int


@dataclass
class SendProgress:
    send: Send
    done: int
    total: int


@dataclass
class Home:
    today: date
    replies: Replies
    days: list[AgendaDay]
    next_day: tuple[date, int] | None
    attention: list[Delivery]
    attention_count: int
    sending: list[SendProgress]
    imports: list[ImportRun]

    @property
    def appointments_today(self) -> int:
        return len(self.days[0].items)


def replies(organization: Organization, user: User) -> Replies:
    unread = (
        Conversation.objects.for_org(organization)
        .unread()
        .select_related("contact", "assigned_to")
        .order_by("-last_activity_at", "-id")
    )
    mine = unread.filter(assigned_to=user)
    nobodys = unread.filter(assigned_to__isnull=True)
    colleagues = unread.exclude(assigned_to=user).filter(assigned_to__isnull=False)
    return Replies(
        mine=list(mine[:SHOWN]),
        mine_count=mine.count(),
        nobodys=list(nobodys[:SHOWN]),
        nobodys_count=nobodys.count(),
        colleagues_count=colleagues.count(),
        total=Conversation.objects.for_org(organization).unread_replies(),
    )


def sends_in_progress(organization: Organization) -> list[SendProgress]:
    sends = list(Send.objects.for_org(organization).in_progress().order_by("-created_at")[:SHOWN])
    counts: dict = {send.pk: Counter() for send in sends}
    # Counted by the database: a large send has tens of thousands of deliveries.
    rows = (
        Delivery.objects.filter(send__in=sends)
        .order_by()
        .values_list("send_id", "status")
        .annotate(n=Count("id"))
    )
    for send_id, status, n in rows:
        counts[send_id][status] += n
    waiting = (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    return [
        SendProgress(
            send=send,
            done=sum(n for status, n in counts[send.pk].items() if status not in waiting),
            total=max(send.recipients, sum(counts[send.pk].values())),
        )
        for send in sends
    ]


def home(organization: Organization, user: User) -> Home:
    zone = timezone.get_current_timezone()
    today = timezone.localdate()
    now = timezone.now()
    appointments = filtered(organization)
    days = agenda(appointments, today, 2, zone)
    attention = Delivery.objects.for_org(organization).needing_attention(since=now - RECENT)
    imports = ImportRun.objects.for_org(organization).filter(
        status__in=(ImportStatus.FAILED, ImportStatus.QUEUED, ImportStatus.RUNNING),
        created_at__gte=now - RECENT,
    )
    return Home(
        today=today,
        replies=replies(organization, user),
        days=days,
        next_day=(
            None
            if any(d.items for d in days)
            else next_day_with_appointments(appointments, today + timedelta(days=1), zone)
        ),
        attention=list(attention.select_related("contact").order_by("-created_at")[:SHOWN]),
        attention_count=attention.count(),
        sending=sends_in_progress(organization),
        imports=list(imports.order_by("-created_at")[:SHOWN]),
    )
