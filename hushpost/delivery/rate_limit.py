"""Provider rate limits, shared by every worker (HUSHPOST_SMS_RATE, HUSHPOST_EMAIL_RATE).

A rate-limited sender (the Twilio number or messaging service; the SMTP
server account or email service) has one schedule of sending slots, 1/rate
seconds apart, that all workers draw from: a worker about to send a batch
reserves as many consecutive slots as it has messages for that sender, in
one atomic step, and each message waits for its slot. So however many
workers run, the provider sees at most `rate` messages a second, evenly
spaced, and a big send paces itself instead of drawing 429s (a 429 that
comes anyway is still retried no earlier than its Retry-After, in
retry_policy.py).

The schedule lives in Redis when REDIS_URL is set (one Lua script, timed by
Redis's own clock so workers on different hosts agree), else in a row of the
database (`SendRate`, locked for the reservation). Before claiming, a worker
asks how far the schedule is booked ahead (`booked_ahead`) and waits rather
than claim texts it could not send within their lease.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.db import transaction

from hushpost.delivery.models import Channel, SendRate

# A worker claims no more than it can send within this many seconds at the
# slowest limit, and claims nothing while a sender is booked further ahead:
# what it holds stays well inside its lease (lifecycle.LEASE, 5 minutes).
HORIZON = 60.0
LIMITED = (Channel.SMS, Channel.EMAIL)

_RESERVE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
local step = tonumber(ARGV[1])
local count = tonumber(ARGV[2])
local free = tonumber(redis.call('GET', KEYS[1]) or '0')
local start = math.max(t, free)
if count > 0 then
  redis.call('SET', KEYS[1], string.format('%.6f', start + step * count), 'EX', 3600)
end
return {string.format('%.6f', start), string.format('%.6f', t)}
"""


@dataclass(frozen=True)
class Slots:
    """Reserved slots: the first `delay` seconds after the reservation, then one every `step`."""

    reserved_at: float  # time.monotonic() of the reservation
    delay: float
    step: float

    def wait_for(self, index: int) -> None:
        due = self.reserved_at + self.delay + index * self.step
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)


def rate_for(channel: str) -> float:
    if channel == Channel.SMS:
        return settings.HUSHPOST_SMS_RATE
    if channel == Channel.EMAIL:
        return settings.HUSHPOST_EMAIL_RATE
    return 0.0


def sender_key(channel: str) -> str:
    """Who the provider counts the messages against."""
    if channel == Channel.SMS:
        sender = settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID
        return f"sms:{settings.TWILIO_ACCOUNT_SID}:{sender}"
    if settings.HUSHPOST_EMAIL_ESP:
        return f"email:{settings.HUSHPOST_EMAIL_ESP}"
    mailer: dict[str, Any] = settings.MAILERS.get("default", {})
    options: dict[str, Any] = mailer.get("OPTIONS", {})
    return f"email:{options.get('username', '')}@{options.get('host', '')}"


def reserve(channel: str, count: int) -> Slots | None:
    """Reserve `count` consecutive slots for this channel's sender; None when it has no limit."""
    rate = rate_for(channel)
    if not rate or count <= 0:
        return None
    step = 1.0 / rate
    delay, read_at = _reserve(sender_key(channel), step, count)
    return Slots(reserved_at=read_at, delay=delay, step=step)


def booked_ahead(channel: str) -> float:
    """Seconds until this channel's sender has a free slot (0 without a limit)."""
    if not rate_for(channel):
        return 0.0
    delay, read_at = _reserve(sender_key(channel), 1.0 / rate_for(channel), 0)
    return max(0.0, delay - (time.monotonic() - read_at))


def batch_limit(batch: int) -> int:
    """How many deliveries a worker may claim at once under the limits in force."""
    rates = [rate_for(channel) for channel in LIMITED if rate_for(channel)]
    if not rates:
        return batch
    return max(1, min(batch, int(min(rates) * HORIZON)))


def wait_for_room() -> None:
    """Sleep while a limited sender's schedule is booked more than HORIZON ahead."""
    for channel in LIMITED:
        ahead = booked_ahead(channel)
        if ahead > HORIZON:
            time.sleep(ahead - HORIZON)


def _reserve(key: str, step: float, count: int) -> tuple[float, float]:
    """Take `count` slots from the shared schedule: the seconds until the first, counted
    from the moment returned (time.monotonic() when the schedule's clock was read: a
    wait for the database's lock or a slow round trip must not shift the slots)."""
    if settings.REDIS_URL:
        script = _redis_script(settings.REDIS_URL)
        read_at = time.monotonic()  # Redis reads its clock a round trip later: well under 1 ms
        start, now = script(keys=[f"hushpost:send-rate:{key}"], args=[step, count])
        return max(0.0, float(start) - float(now)), read_at
    with transaction.atomic():
        row = SendRate.objects.select_for_update().filter(key=key).first()
        if row is None:
            SendRate.objects.bulk_create([SendRate(key=key)], ignore_conflicts=True)
            row = SendRate.objects.select_for_update().get(key=key)
        # Read under the lock, so another worker's wait for it doesn't start slots in the past.
        now, read_at = time.time(), time.monotonic()
        start = max(now, row.next_at)
        if count:
            row.next_at = start + step * count
            row.save(update_fields=["next_at"])
    return start - now, read_at


@cache
def _redis_script(url: str):
    import redis

    return redis.Redis.from_url(url).register_script(_RESERVE)
