"""The message schedule as data: one DueSend per appointment and enabled auto message.

`sync_appointment` and `sync_auto_message` keep the rows current when either
side changes; `send_due` (a scheduler step) turns due rows into deliveries,
hundreds at a time in due order, through the same bulk pipeline as Compose
and fan-outs (compose.make_batch), in the same transaction that marks them
done. Templates are rendered at send time, so an edit changes what has not
gone out yet.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Field, ForeignKey
from django.utils import timezone

from hushpost.appointments.models import (
    Appointment,
    AppointmentStatus,
    AutoMessage,
    DueSend,
    DueSendStatus,
    SchedulerLock,
    Timing,
)
from hushpost.bulk_insert import insert_rows
from hushpost.delivery.models import Channel
from hushpost.delivery.send import ask_for_keypress
from hushpost.messaging.compose import (
    ComposeError,
    Content,
    Job,
    Recipient,
    check_compose,
    is_bulk,
    make_batch,
)
from hushpost.messaging.models import Origin, SecureMessagingSettings, Send
from hushpost.messaging.template_fields import OrganizationSender, custom_keys

logger = logging.getLogger(__name__)

MINUTES_PER_DAY = 24 * 60
# Due sends claimed and made per transaction, and how long one tick keeps at it.
BATCH = 500
TICK_SECONDS = 2.0
LOCK_NAME = "due_sends"


def due_time(auto: AutoMessage, appointment: Appointment) -> datetime:
    """When this auto message is due for this appointment.

    Whole days count on the organization's local calendar, so "1 day before"
    a 9:00 appointment is 9:00 the day before even across a daylight-saving
    change; the remaining minutes are plain elapsed time.
    """
    if auto.timing == Timing.BOOKED:
        return appointment.created_at
    zone = ZoneInfo(appointment.organization.time_zone)
    days, minutes = divmod(auto.offset_minutes, MINUTES_PER_DAY)
    if auto.timing == Timing.BEFORE_START:
        local = appointment.start.astimezone(zone).replace(tzinfo=None) - timedelta(days=days)
        return local.replace(tzinfo=zone) - timedelta(minutes=minutes)
    local = appointment.end.astimezone(zone).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=zone) + timedelta(minutes=minutes)


def anchor(auto: AutoMessage, appointment: Appointment) -> datetime:
    # "When booked" belongs to the booking, so a reschedule doesn't confirm again.
    return appointment.created_at if auto.timing == Timing.BOOKED else appointment.start


# History never triggers messages: what an import or the API brings in after
# the fact is stored, and its sends are skipped at once with these reasons.
STARTED = (
    "the appointment had already started when it was booked, imported or moved: "
    "history never triggers messages"
)
ENDED = (
    "the appointment ended longer ago than this follow-up's offset when it was booked, "
    "imported or moved: history never triggers messages"
)


CONFIRMED_ALREADY = "the contact had confirmed the appointment (only for the unconfirmed)"
CANT_COME_ALREADY = "the contact had said they can't come (only for the unconfirmed)"


def history_reason(auto: AutoMessage, appointment: Appointment, due_at, now) -> str | None:
    """Why this send is history (its moment passed before the appointment was known)."""
    if auto.timing == Timing.AFTER_END:
        # A follow-up only while its own offset hasn't passed since the end.
        return ENDED if due_at <= now else None
    # "When booked" and "before the start" are for something still to come.
    return STARTED if appointment.start <= now else None


@transaction.atomic
def sync_appointment(appointment: Appointment, *, created: bool = False) -> None:
    """After an appointment is created, changed, rescheduled or cancelled."""
    pending = DueSend.objects.filter(appointment=appointment, status=DueSendStatus.PENDING)
    if appointment.status == AppointmentStatus.CANCELLED:
        pending.update(
            status=DueSendStatus.SKIPPED,
            reason="the appointment was cancelled",
            done_at=timezone.now(),
        )
        return
    autos = list(AutoMessage.objects.for_org(appointment.organization_id).filter(enabled=True))
    keep = []
    now = timezone.now()
    for auto in autos:
        if auto.timing == Timing.BOOKED and not created:
            continue
        row = _upsert(auto, appointment, now)
        if row is not None:
            keep.append(row.pk)
    # What was pending for an old time (a reschedule) or a message now off never went out: drop it.
    pending.exclude(pk__in=keep).exclude(
        auto_message__timing=Timing.BOOKED, auto_message__enabled=True
    ).delete()


def _upsert(auto: AutoMessage, appointment: Appointment, now: datetime) -> DueSend | None:
    when = due_time(auto, appointment)
    history = history_reason(auto, appointment, when, now)
    defaults = {"organization_id": appointment.organization_id, "due_at": when}
    if history:
        defaults.update(status=DueSendStatus.SKIPPED, reason=history, done_at=now)
    row, made = DueSend.objects.get_or_create(
        appointment=appointment,
        auto_message=auto,
        anchor_at=anchor(auto, appointment),
        defaults=defaults,
    )
    if not made and row.status == DueSendStatus.PENDING:
        if history:
            row.status, row.reason, row.done_at, row.due_at = (
                DueSendStatus.SKIPPED,
                history,
                now,
                when,
            )
            row.save(update_fields=["status", "reason", "done_at", "due_at"])
        elif row.due_at != when:
            row.due_at = when
            row.save(update_fields=["due_at"])
    return row if row.status == DueSendStatus.PENDING else None


@transaction.atomic
def sync_auto_message(auto: AutoMessage, *, now: datetime | None = None) -> int:
    """After an auto message is added, edited, retimed, switched on or off.
    Returns rows made or moved."""
    now = now or timezone.now()
    pending = DueSend.objects.filter(auto_message=auto, status=DueSendStatus.PENDING)
    if not auto.enabled:
        pending.delete()
        return 0
    if auto.timing == Timing.BOOKED:
        return 0
    appointments = (
        Appointment.objects.for_org(auto.organization_id)
        .filter(start__gt=now)
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("organization")
    )
    existing = {(row.appointment_id, row.anchor_at): row for row in pending}
    create, update = [], []
    for appointment in appointments.iterator(chunk_size=2000):
        when = due_time(auto, appointment)
        row = existing.pop((appointment.pk, appointment.start), None)
        if row is None:
            create.append(
                DueSend(
                    organization_id=auto.organization_id,
                    appointment=appointment,
                    auto_message=auto,
                    anchor_at=appointment.start,
                    due_at=when,
                )
            )
        elif row.due_at != when:
            row.due_at = when
            update.append(row)
    DueSend.objects.bulk_create(create, batch_size=1000, ignore_conflicts=True)
    DueSend.objects.bulk_update(update, ["due_at"], batch_size=1000)
    # Pending rows for appointments that no longer qualify (past or cancelled) are
    # left to send_due to skip.
    return len(create) + len(update)


def upcoming_sends(appointment: Appointment):
    return DueSend.objects.filter(
        appointment=appointment, status=DueSendStatus.PENDING
    ).select_related("auto_message")


def past_sends(appointment: Appointment):
    return (
        DueSend.objects.filter(appointment=appointment)
        .exclude(status=DueSendStatus.PENDING)
        .select_related("auto_message", "delivery")
        .order_by("-done_at")
    )


def send_due(
    now: datetime | None = None, *, batch: int = BATCH, budget: float = TICK_SECONDS
) -> int:
    """Settle due sends, `batch` at a time in due order, each batch in its own
    transaction, until none are left or `budget` seconds have gone; returns how many
    were settled.

    The budget keeps a tick short when thousands fall due in the same minute: the
    scheduler ticks again at once when a tick found work, so the rest follows in
    the next tick, after the other chores had their turn.
    """
    started = time.monotonic()
    settled = 0
    while True:
        done = _send_due_batch(now or timezone.now(), batch)
        settled += done
        if done < batch or time.monotonic() - started >= budget:
            return settled


def _send_due_batch(now: datetime, batch: int) -> int:
    """Claim up to `batch` due sends and settle them; how many were.

    The claim locks the rows (SKIP LOCKED on PostgreSQL, so a second scheduler
    takes other rows or none; SQLite serializes writers anyway) and each row is
    marked done in the transaction that creates its delivery: a crash before the
    commit leaves the whole batch pending, and no delivery of it.
    """
    SchedulerLock.objects.get_or_create(name=LOCK_NAME)
    with transaction.atomic():
        rows = DueSend.objects.due(now).order_by("due_at", "id")
        if connection.features.has_select_for_update_skip_locked:
            # One scheduler at a time: another one holding the lock means this
            # tick has nothing to do.
            if (
                not SchedulerLock.objects.select_for_update(skip_locked=True)
                .filter(name=LOCK_NAME)
                .exists()
            ):
                return 0
            rows = rows.select_for_update(skip_locked=True, of=("self",))
        claimed = list(
            rows.select_related(
                "appointment__contact", "appointment__staff", "auto_message", "organization"
            )[:batch]
        )
        for due in claimed:
            _share_organization(due)
        to_send = []
        for due in claimed:
            skip = _skip_reason(due, now)
            if skip:
                logger.info(
                    "auto message %s for appointment %s skipped: %s",
                    due.auto_message_id,
                    due.appointment_id,
                    skip,
                )
                _finish(due, DueSendStatus.SKIPPED, now, reason=skip)
            else:
                to_send.append(due)
        by_organization: dict[int, list[DueSend]] = {}
        for due in to_send:
            by_organization.setdefault(due.organization_id, []).append(due)
        for dues in by_organization.values():
            _send_batch(dues, now)
        _save_settled(claimed)
    return len(claimed)


def _share_organization(due: DueSend) -> None:
    """The row's appointment and contact are of its organization: give them the one
    instance already read (joining it three times per row made three of each)."""
    organization = due.organization
    for owner in (due.appointment, due.appointment.contact):
        if owner.organization_id == organization.pk:
            field = type(owner)._meta.get_field("organization")
            assert isinstance(field, ForeignKey)
            field.set_cached_value(owner, organization)


SETTLED_FIELDS = ("status", "reason", "done_at", "send", "delivery")


def _save_settled(rows: list[DueSend]) -> None:
    """Write what `_finish` set on each row: one UPDATE by primary key, executed for all
    rows at once. (bulk_update's CASE over every id makes each row's update scan all
    the others: quadratic, seconds for a batch of 500.)"""
    if not rows:
        return
    meta = DueSend._meta
    fields: list[Field] = []
    for name in SETTLED_FIELDS:
        field = meta.get_field(name)
        assert isinstance(field, Field)  # a concrete column, not a relation's reverse
        fields.append(field)
    assert meta.pk is not None
    fields.append(meta.pk)  # the SET columns, then the key
    quote = connection.ops.quote_name
    columns = [quote(str(field.column)) for field in fields]
    sql = (
        f"UPDATE {quote(meta.db_table)} SET "
        + ", ".join(f"{column} = %s" for column in columns[:-1])
        + f" WHERE {columns[-1]} = %s"
    )
    values = [
        [field.get_db_prep_save(getattr(row, field.attname), connection) for field in fields]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def _skip_reason(due: DueSend, now: datetime) -> str | None:
    appointment, auto = due.appointment, due.auto_message
    if appointment.status == AppointmentStatus.CANCELLED:
        return "the appointment was cancelled"
    if not auto.enabled:
        return "the auto message was switched off"
    if auto.timing == Timing.BEFORE_START and appointment.start <= now:
        # Overdue after downtime, but a reminder for something that has begun helps no one.
        return "the appointment had already started when this was due to go out"
    if auto.timing == Timing.BOOKED and appointment.start <= now:
        # Nor does a confirmation of it (the booking was moved into the past meanwhile).
        return STARTED
    if auto.only_unconfirmed and appointment.confirmed_by_contact:
        # Decided now, not when scheduled: the answer may have come in since.
        return CONFIRMED_ALREADY
    if auto.only_unconfirmed and appointment.status == AppointmentStatus.CANCEL_REQUESTED:
        return CANT_COME_ALREADY
    return None


def _send_batch(dues: list[DueSend], now: datetime) -> None:
    """One organization's due sends through the send pipeline (compose.make_batch), in
    due order: a send each (as an inline send of one), their messages, links and
    deliveries made in bulk. A template that can't be sent at all fails its rows."""
    from hushpost.appointments.auto_messages import AutoMessageValues
    from hushpost.appointments.template_fields import (
        APPOINTMENT_FIELDS,
        appointment_context,
        fields_named,
    )

    organization = dues[0].organization
    settings = SecureMessagingSettings.objects.for_org(organization)
    keys = custom_keys(organization)
    extra = {"appointment": frozenset(APPOINTMENT_FIELDS)}
    refused: dict[tuple[int, str], str] = {}  # (auto message, language) → why, checked once
    # … → the appointment fields its text names (None: any), so only those are written
    named: dict[tuple[int, str], frozenset[str] | None] = {}
    jobs, sends = [], []
    for due in dues:
        appointment, auto = due.appointment, due.auto_message
        # The contact's language's variant, if the auto message has one; its dates follow
        # the language of the text they land in.
        text, language = AutoMessageValues.of(auto).in_language(appointment.contact.language)
        if (auto.pk, language) not in refused:
            problems = check_compose(
                organization,
                channel=auto.channel,
                secure=auto.secure,
                body=text.body,
                subject=text.subject,
                attachments=[],
                recipients=1,
                extra_fields=extra,
            )
            refused[auto.pk, language] = str(ComposeError(problems)) if problems else ""
            named[auto.pk, language] = fields_named(text.body, text.subject)
        if refused[auto.pk, language]:
            _finish(due, DueSendStatus.FAILED, now, reason=refused[auto.pk, language])
            continue
        author = appointment.staff
        send = Send(
            organization=organization,
            created_by=author,
            actor_label="auto message",
            origin=Origin.AUTO,
            channel=auto.channel,
            secure=auto.secure,
            recipients=1,
            fanned_out=1,
        )
        sends.append(send)
        content = Content(
            body=text.body,
            subject=text.subject,
            pin="",
            attachments=[],
            sender=author or OrganizationSender(organization),
            author=author,
            actor_label="auto message",
            bulk=is_bulk(send, 1),
        )
        recipient = Recipient(
            appointment.contact,
            appointment_context(appointment, language, names=named[auto.pk, language]),
            label=f"due{due.pk}",
            language=language,
        )
        jobs.append((due, Job(send, recipient, content, due_at=due.due_at)))
    insert_rows(Send, sends)
    outcomes = make_batch([job for _, job in jobs], settings=settings, keys=keys)
    for (due, job), outcome in zip(jobs, outcomes, strict=True):
        auto = due.auto_message
        if auto.ask_to_confirm and auto.channel == Channel.VOICE:
            # Before the commit that lets the worker send it: the call asks for a keypress.
            ask_for_keypress(outcome.delivery.pk)
        _finish(
            due,
            DueSendStatus.SENT,
            now,
            reason=outcome.reason,
            send=job.send,
            delivery=outcome.delivery,
        )


def _finish(
    due: DueSend, status: str, now: datetime, *, reason: str = "", send=None, delivery=None
) -> None:
    """Mark the row settled, in memory: send_due saves its batch's rows in one statement."""
    due.status, due.reason, due.done_at, due.send, due.delivery = (
        status,
        reason,
        now,
        send,
        delivery,
    )
