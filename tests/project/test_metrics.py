"""GET /metrics: a real web process adds up what its gunicorn workers and a real worker
process counted (prometheus-client's multiprocess mode) with the gauges read from the
database, in the Prometheus text format; in production only with the bearer token."""

from __future__ import annotations

import datetime
import os
import subprocess
import sys
import time

import pytest
import requests
from django.conf import settings as django_settings
from django.db import transaction
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import queue_delivery
from tests.real_web import ROOT, database_url, start_web

CSRF = "c" * 32


def samples(text: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of a scrape, keyed by name and labels (the parser rejects bad text)."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return found


def value(scraped, name: str, **labels) -> float:
    return scraped.get((name, frozenset(labels.items())), 0.0)


def queue(jane, key: str) -> Delivery:
    with transaction.atomic():
        return queue_delivery(
            organization=jane.organization,
            contact=jane,
            channel="sms",
            to=jane.phone,
            subject="",
            body="Riverside Clinic sent you a secure message",
            idempotency_key=key,
        )


def run_worker(metrics_dir, log_path) -> subprocess.Popen:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_", "DATABASE_URL", "DJANGO_", "TWILIO_", "SMTP_"))
    }
    env.update(
        {
            "DATABASE_URL": database_url(),
            "HUSHPOST_DATA_DIR": str(django_settings.DATA_DIR),
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "PYTHONUNBUFFERED": "1",
        }
    )
    with log_path.open("w") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "hushpost.cli", "worker", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_for(condition, what: str, seconds: float = 90) -> None:
    # Another process does the work; the database is where its result shows.
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.django_db(transaction=True)
def test_a_scrape_adds_up_every_process_and_reads_the_queue(tmp_path, jane, pin_link):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    _, token = pin_link
    web = start_web(tmp_path, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    worker = run_worker(metrics_dir, tmp_path / "worker.log")
    try:
        sent = queue(jane, "metrics:1")
        wait_for(
            lambda: Delivery.objects.get(pk=sent.pk).status == DeliveryStatus.SENT,
            "the worker to send",
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    try:
        # One delivery waits two minutes past due with no worker running.
        waiting = queue(jane, "metrics:2")
        Delivery.objects.filter(pk=waiting.pk).update(
            next_attempt_at=timezone.now() - datetime.timedelta(minutes=2)
        )
        portal = requests.Session()
        portal.cookies.set("csrftoken", CSRF)
        for _ in range(5):
            wrong = portal.post(
                f"{web.url}/s/{token}",
                data={"csrfmiddlewaretoken": CSRF, "pin": "0000"},
                headers={"Origin": web.url},
                timeout=20,
            )
            assert wrong.status_code < 500, wrong.status_code

        response = requests.get(web.url + "/metrics", timeout=20)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        scraped = samples(response.text)
    finally:
        web.stop()

    # Counted in the worker process, read in a web worker.
    assert value(scraped, "hushpost_deliveries_total", channel="sms", status="sending") == 1
    assert value(scraped, "hushpost_deliveries_total", channel="sms", status="sent") == 1
    assert value(scraped, "hushpost_send_latency_seconds_count") == 1
    assert value(scraped, "hushpost_send_latency_seconds_sum") > 0
    # From the database at scrape time.
    assert value(scraped, "hushpost_queue_depth", channel="sms") == 1
    assert value(scraped, "hushpost_queue_depth", channel="email") == 0
    assert 115 <= value(scraped, "hushpost_queue_oldest_seconds") < 600
    assert ("hushpost_scheduler_lag_seconds", frozenset()) in scraped
    # Counted in the web workers, whichever served each post.
    wrong_pins = Event.objects.filter(kind=EventKind.PIN_WRONG).count()
    assert wrong_pins >= 1
    assert value(scraped, "hushpost_pin_failures_total") == wrong_pins
    assert value(scraped, "hushpost_links_locked_total") == (
        Event.objects.filter(kind=EventKind.LINK_LOCKED).count()
    )
    assert value(scraped, "hushpost_links_locked_total") == 1
    assert (
        sum(
            v
            for (name, labels), v in scraped.items()
            if name == "hushpost_http_requests_total" and ("app", "portal") in labels
        )
        == 5
    )
    # No label holds anything of a person's.
    assert jane.phone not in response.text and token not in response.text


@pytest.mark.django_db
def test_development_serves_metrics_to_anyone(client):
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "hushpost_queue_depth" in response.content.decode()


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.ALLOWED_HOSTS = ["hushpost.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    return settings


@pytest.mark.django_db
def test_production_without_a_token_has_no_metrics(client, production):
    production.HUSHPOST_METRICS_TOKEN = ""
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


@pytest.mark.django_db
def test_production_wants_the_bearer_token(client, production):
    production.HUSHPOST_METRICS_TOKEN = "scrape-token-7f3a"
    # By IP over plain http, as Prometheus scrapes: no host check, no redirect.
    host = {"HTTP_HOST": "10.0.0.5:8000"}
    assert client.get("/metrics", **host).status_code == 404
    wrong = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-7f3b", **host)
    assert wrong.status_code == 404
    right = client.get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-token-7f3a", **host)
    assert right.status_code == 200
    assert "hushpost_queue_oldest_seconds" in right.content.decode()


@pytest.mark.django_db
def test_scheduler_lag_is_the_oldest_due_appointment_message_waiting(client, org_a):
    import time_machine

    from hushpost.appointments.models import Timing
    from hushpost.contacts.models import Contact
    from tests.appointments.test_schedule import auto, book

    start = timezone.now().replace(microsecond=0) + datetime.timedelta(days=1)
    contact = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550111")
    auto(org_a, Timing.BEFORE_START, 60)
    book(contact, start)
    assert value(samples(client.get("/metrics").content.decode()), LAG) == 0
    # The scheduler stopped: ten minutes past the reminder's time nothing has sent it.
    with time_machine.travel(start - datetime.timedelta(minutes=50), tick=False):
        scraped = samples(client.get("/metrics").content.decode())
    assert value(scraped, LAG) == 600


LAG = "hushpost_scheduler_lag_seconds"
