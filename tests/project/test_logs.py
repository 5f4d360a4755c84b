"""Log lines: JSON or text, with the request id (answered as X-Request-ID) and the delivery
id, threaded from the request that queues a delivery to the worker that sends it."""

from __future__ import annotations

import json
import logging

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from hushpost.delivery.batch import BatchSender
from hushpost.delivery.lifecycle import claim_due
from hushpost.delivery.models import DeliveryStatus
from hushpost.delivery.send import queue_delivery
from hushpost.log_context import ContextFilter, JsonFormatter, bound, logging_config


def record(message="delivery %s: accepted", *args, exc_info=None) -> logging.LogRecord:
    made = logging.LogRecord("hushpost.test", logging.INFO, __file__, 1, message, args, exc_info)
    ContextFilter().filter(made)
    return made


def test_a_json_line_has_the_ids_in_force():
    with bound(request_id="req-1234abcd", delivery_id="d-1"):
        line = json.loads(JsonFormatter().format(record("sent %s", "d-1")))
    assert line["message"] == "sent d-1"
    assert (line["level"], line["logger"]) == ("INFO", "hushpost.test")
    assert (line["request_id"], line["delivery_id"]) == ("req-1234abcd", "d-1")
    assert line["time"].endswith("+00:00")


def test_outside_any_request_a_line_has_no_ids():
    line = json.loads(JsonFormatter().format(record()))
    assert "request_id" not in line and "delivery_id" not in line


def test_an_exception_stays_inside_its_one_line():
    try:
        raise ValueError("boom")
    except ValueError:
        import sys

        text = JsonFormatter().format(record("failed", exc_info=sys.exc_info()))
    assert "\n" not in text
    assert "ValueError: boom" in json.loads(text)["exception"]


def test_the_text_format_ends_with_the_ids():
    formatter = logging.Formatter(
        logging_config(log_format="text", level="INFO")["formatters"]["text"]["format"]
    )
    with bound(request_id="r1", delivery_id="d1"):
        assert formatter.format(record("hello")).endswith("hello [request=r1 delivery=d1]")
    assert formatter.format(record("hello")).endswith("hello")


@pytest.mark.django_db
def test_each_response_has_its_own_request_id(client):
    first = client.get("/accounts/login/")["X-Request-ID"]
    second = client.get("/healthz")["X-Request-ID"]
    assert len(first) == 32 and first != second


@pytest.mark.django_db
def test_a_request_id_is_taken_only_from_a_trusted_proxy(client, settings):
    settings.HUSHPOST_TRUSTED_PROXIES = ["127.0.0.1"]
    mine = "lb-7f3a9c0e11"
    kept = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_REQUEST_ID=mine)
    assert kept["X-Request-ID"] == mine
    from_client = client.get("/healthz", REMOTE_ADDR="203.0.113.7", HTTP_X_REQUEST_ID=mine)
    assert from_client["X-Request-ID"] != mine
    odd = client.get("/healthz", REMOTE_ADDR="127.0.0.1", HTTP_X_REQUEST_ID="a b\nc=d ok ok")
    assert odd["X-Request-ID"] != "a b\nc=d ok ok"


@pytest.mark.django_db
def test_a_delivery_is_sent_under_the_id_of_the_request_that_queued_it(
    jane, caplog, settings, django_capture_on_commit_callbacks
):
    settings.TWILIO_ACCOUNT_SID = ""  # the development outbox
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO)
    with (
        bound(request_id="api-call-42ab"),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        delivery = queue_delivery(
            organization=jane.organization,
            contact=jane,
            channel="sms",
            to=jane.phone,
            subject="",
            body="A secure message is waiting",
            idempotency_key="logs:1",
        )
    # The row is the queue and carries the id; no task row is made.
    assert not DBTaskResult.objects.exists()
    delivery.refresh_from_db()
    assert delivery.request_id == "api-call-42ab"
    # What the worker does with it, outside any request: claim, send, record.
    sender = BatchSender()
    try:
        assert sender.finish(sender.start_claimed(claim_due(10))) == {str(delivery.pk)}
    finally:
        sender.close()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    accepted = [r for r in caplog.records if "accepted by" in r.getMessage()]
    assert [(r.request_id, r.delivery_id) for r in accepted] == [
        ("api-call-42ab", str(delivery.pk))
    ]
