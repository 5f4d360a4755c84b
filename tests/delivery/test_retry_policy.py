"""The retry policy on its own: backoff with full jitter, Retry-After, when to give up."""

import datetime
import random

from hushpost.delivery import retry_policy

NOW = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


def test_backoff_doubles_from_thirty_seconds_up_to_an_hour_with_full_jitter():
    ceilings = [
        max(retry_policy.backoff_seconds(attempt, rng=_Max()) for _ in range(3))
        for attempt in range(1, 10)
    ]
    assert ceilings == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]
    rng = random.Random(4)
    samples = [retry_policy.backoff_seconds(3, rng=rng) for _ in range(200)]
    assert 0 <= min(samples) < 20 and 100 < max(samples) <= 120  # spread over the whole range


def test_retry_after_is_a_floor_that_jitter_never_cuts_short():
    assert retry_policy.retry_delay(1, 90, rng=_Max()) == 90
    assert retry_policy.retry_delay(8, 90, rng=_Max()) == 3600  # the backoff is longer still
    assert retry_policy.retry_delay(1, 10 * 24 * 3600) == retry_policy.MAX_RETRY_AFTER


def test_retry_after_reads_seconds_and_http_dates():
    assert retry_policy.parse_retry_after("120", now=NOW) == 120
    assert retry_policy.parse_retry_after("Sun, 01 Mar 2026 12:02:00 GMT", now=NOW) == 120
    assert retry_policy.parse_retry_after("Sun, 01 Mar 2026 11:00:00 GMT", now=NOW) == 0
    assert retry_policy.parse_retry_after("soon", now=NOW) is None
    assert retry_policy.parse_retry_after(None, now=NOW) is None


def decide(**given):
    arguments = {
        "attempts": 1,
        "max_attempts": 8,
        "permanent": False,
        "maybe_sent": False,
        "retry_after": None,
        "now": NOW,
        "rng": _Max(),
    }
    return retry_policy.decide(**arguments | given)


def test_a_temporary_failure_is_retried_until_the_last_attempt():
    assert decide(attempts=1) == retry_policy.Decision(
        retry_policy.Step.RETRY, NOW + datetime.timedelta(seconds=30)
    )
    assert decide(attempts=7, retry_after=7200).retry_at == NOW + datetime.timedelta(hours=2)
    assert decide(attempts=8).step is retry_policy.Step.FAIL


def test_a_permanent_failure_fails_at_once_and_a_maybe_sent_one_is_never_retried():
    assert decide(permanent=True).step is retry_policy.Step.FAIL
    assert decide(maybe_sent=True).step is retry_policy.Step.AMBIGUOUS


class _Max:
    """An rng that always picks the top of the range, to read the ceilings."""

    def uniform(self, low, high):
        return high
