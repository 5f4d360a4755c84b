"""When to try a delivery again: plain functions, no database, no providers.

The channels say what happened (`DeliveryError`: permanent or not, maybe
already accepted, Retry-After); this module decides what to do about it. The
caller (send.py) writes the decision down.
"""

from __future__ import annotations

import datetime
import email.utils
import enum
import random
from dataclasses import dataclass

BASE_DELAY = 30.0  # seconds before the first retry, at most
MAX_DELAY = 60 * 60.0  # no retry waits longer than an hour by backoff alone
# A provider asking for more than a day is honoured only up to a day: past
# that the message is stale and the staff had better see a failure.
MAX_RETRY_AFTER = 24 * 60 * 60.0

# Said on every delivery given up because the provider may already have it.
AMBIGUOUS_REASON = (
    "the provider may have accepted it before the connection broke; not re-sent "
    "to avoid a duplicate — check the provider's log"
)
AMBIGUOUS_CODE = "ambiguous"


class Step(enum.Enum):
    RETRY = "retry"  # back to queued, try again at `retry_at`
    FAIL = "fail"  # permanent, or out of attempts
    AMBIGUOUS = "ambiguous"  # it may have gone out: never resend blindly


@dataclass(frozen=True)
class Decision:
    step: Step
    retry_at: datetime.datetime | None = None


def backoff_seconds(attempt: int, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base·2^(attempt-1))].

    Full jitter spreads a burst of failures (a provider outage hits every
    queued delivery at once) instead of bringing them back in lockstep.
    """
    ceiling = min(MAX_DELAY, BASE_DELAY * 2 ** max(attempt - 1, 0))
    return (rng or random).uniform(0, ceiling)


def parse_retry_after(value: str | None, *, now: datetime.datetime) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None
    if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.UTC)
    return max((when - now).total_seconds(), 0.0)


def retry_delay(
    attempt: int, retry_after: float | None = None, *, rng: random.Random | None = None
) -> float:
    """The wait before the next try; the provider's Retry-After is a floor,
    never cut short by jitter."""
    delay = backoff_seconds(attempt, rng=rng)
    if retry_after is not None:
        delay = max(delay, min(float(retry_after), MAX_RETRY_AFTER))
    return delay


def decide(
    *,
    attempts: int,
    max_attempts: int,
    permanent: bool,
    maybe_sent: bool,
    retry_after: float | None,
    now: datetime.datetime,
    rng: random.Random | None = None,
) -> Decision:
    """What to do after attempt number `attempts` failed this way."""
    if permanent:
        return Decision(Step.FAIL)
    if maybe_sent:
        # A second try could mean a second SMS or email to the contact; until
        # reconciliation asks the provider, a person decides.
        return Decision(Step.AMBIGUOUS)
    if attempts >= max_attempts:
        return Decision(Step.FAIL)
    delay = retry_delay(attempts, retry_after, rng=rng)
    return Decision(Step.RETRY, now + datetime.timedelta(seconds=delay))
