"""The per-request health check of a persistent connection (hushpost/connection_checks.py):
skipped only for a connection that answered a query a moment ago and has had no
error since; run as Django runs it otherwise."""

import time

import pytest
from django.db import connections

from hushpost.connection_checks import (
    ANSWERED_AT,
    PROVEN_FOR,
    on_connection_created,
    on_request_started,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection():
    # The wrapper itself, not django.db.connection's proxy, so monkeypatch restores it.
    return connections["default"]


@pytest.fixture
def checked(connection, monkeypatch):
    """The test database's connection with health checks on, as with DATABASE_URL."""
    connection.ensure_connection()
    monkeypatch.setattr(connection, "health_check_enabled", True)
    monkeypatch.setattr(connection, "health_check_done", False)
    monkeypatch.setattr(connection, "execute_wrappers", [])
    # On PostgreSQL the real wrapper has been noting the test database's answers.
    monkeypatch.delattr(connection, ANSWERED_AT, raising=False)
    on_connection_created(sender=None, connection=connection)
    yield connection
    if hasattr(connection, ANSWERED_AT):
        delattr(connection, ANSWERED_AT)


def _query(conn) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT 1")


def test_a_connection_that_just_answered_skips_the_check(checked):
    _query(checked)
    checked.health_check_done = False  # a new request, as Django's close_old_connections leaves it
    on_request_started(sender=None)
    assert checked.health_check_done


def test_a_connection_idle_for_longer_is_checked(checked):
    _query(checked)
    setattr(checked, ANSWERED_AT, time.monotonic() - PROVEN_FOR - 0.01)
    checked.health_check_done = False
    on_request_started(sender=None)
    assert not checked.health_check_done


def test_a_connection_that_never_answered_is_checked(checked):
    on_request_started(sender=None)
    assert not checked.health_check_done


def test_a_connection_with_an_error_since_is_left_to_django(checked, monkeypatch):
    _query(checked)
    monkeypatch.setattr(checked, "errors_occurred", True)
    checked.health_check_done = False
    on_request_started(sender=None)
    assert not checked.health_check_done


def test_without_health_checks_nothing_is_recorded_or_skipped(connection, monkeypatch):
    connection.ensure_connection()
    monkeypatch.delattr(connection, ANSWERED_AT, raising=False)
    monkeypatch.setattr(connection, "health_check_enabled", False)
    monkeypatch.setattr(connection, "health_check_done", False)
    monkeypatch.setattr(connection, "execute_wrappers", [])
    on_connection_created(sender=None, connection=connection)
    assert connection.execute_wrappers == []
    on_request_started(sender=None)
    assert not connection.health_check_done


def test_a_wrapper_block_ending_removes_its_own_wrapper_not_ours(checked):
    def theirs(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    with checked.execute_wrapper(theirs):
        on_connection_created(sender=None, connection=checked)  # a reconnect inside the block
        _query(checked)
    assert len(checked.execute_wrappers) == 1 and checked.execute_wrappers[0].__name__ == (
        "note_answered"
    )
