"""Provider rate limits (delivery/rate_limit.py): one schedule of slots per sender,
shared by every worker, in Redis or in the database."""

from __future__ import annotations

import os
import time

import pytest

from hushpost.delivery import rate_limit
from hushpost.delivery.models import SendRate
from tests.reliability import (
    queue_texts,
    settled,
    start_worker,
    stop_worker,
    wait_until,
    worker_env,
)

pytestmark = pytest.mark.django_db(transaction=True)

STORES = ["database"] + (["redis"] if os.environ.get("REDIS_URL") else [])


@pytest.fixture(params=STORES)
def store(request, settings):
    if request.param == "database":
        settings.REDIS_URL = ""
    return request.param


def test_reservations_follow_one_another_at_the_rate(store, settings, twilio_standin):
    settings.HUSHPOST_SMS_RATE = 10.0
    first = rate_limit.reserve("sms", 5)
    second = rate_limit.reserve("sms", 3)
    assert first is not None and second is not None
    assert first.step == second.step == pytest.approx(0.1)
    # The second batch's first slot comes right after the first batch's five
    # (on a busy machine time passes between the calls: compare moments, not delays).
    end_of_first = first.reserved_at + first.delay + 5 * first.step
    assert second.reserved_at + second.delay == pytest.approx(end_of_first, abs=0.02)
    ahead = rate_limit.booked_ahead("sms")
    assert 0 < ahead <= 0.8 + 0.02
    assert time.monotonic() + ahead == pytest.approx(end_of_first + 3 * 0.1, abs=0.02)
    if store == "database":
        assert SendRate.objects.get().next_at > time.time()


def test_no_limit_reserves_nothing_and_claims_whole_batches(settings, twilio_standin):
    settings.HUSHPOST_SMS_RATE = 0.0
    settings.HUSHPOST_EMAIL_RATE = 0.0
    assert rate_limit.reserve("sms", 50) is None
    assert rate_limit.booked_ahead("sms") == 0
    assert rate_limit.batch_limit(32) == 32
    settings.HUSHPOST_EMAIL_RATE = 0.1  # one email every 10 s: a batch holds what a minute sends
    assert rate_limit.batch_limit(32) == 6
    assert not SendRate.objects.exists()


def test_senders_are_told_apart(settings):
    settings.TWILIO_ACCOUNT_SID, settings.TWILIO_FROM_NUMBER = "AC1", "+15005550006"
    settings.HUSHPOST_EMAIL_ESP = ""
    settings.MAILERS = {"default": {"OPTIONS": {"host": "smtp.example", "username": "clinic"}}}
    assert rate_limit.sender_key("sms") == "sms:AC1:+15005550006"
    assert rate_limit.sender_key("email") == "email:clinic@smtp.example"
    settings.HUSHPOST_EMAIL_ESP = "postmark"
    assert rate_limit.sender_key("email") == "email:postmark"


def test_two_workers_never_exceed_the_rate_at_the_stand_in(jane, twilio_standin, tmp_path):
    rate = 3
    ids = queue_texts(jane, 12, prefix="paced")
    env = {**worker_env(twilio=twilio_standin), "HUSHPOST_SMS_RATE": str(rate)}
    workers = [start_worker(env, tmp_path / f"worker-{i}.log") for i in range(2)]
    try:
        wait_until(lambda: settled(ids), 120, "the paced texts to be sent")
    finally:
        for process in workers:
            stop_worker(process)
    times = sorted(r.at for r in twilio_standin.requests if r.method == "POST")
    assert len(times) == 12
    # Evenly spaced slots: any one second holds at most `rate` (+1 where a window's
    # edges both fall on a slot); twelve take at least 11 slots' time.
    print("TIMES", [round(t - times[0], 2) for t in times])
    busiest = max(sum(1 for t in times if start <= t < start + 1.0) for start in times)
    assert busiest <= rate + 1
    assert times[-1] - times[0] >= (12 - 1) / rate - 0.3
