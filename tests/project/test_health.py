"""/healthz and /readyz: cheap, no secrets, answered to a probe by IP over plain http
even in production, and 503 naming the part that is down."""

from __future__ import annotations

import pytest
import requests
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from tests.real_web import start_web

pytestmark = pytest.mark.django_db

PARTS = {"database": "ok", "cache": "ok", "migrations": "ok", "keys": "ok"}


def test_healthz_says_the_process_serves(client):
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response["Cache-Control"] == "no-store"


def test_readyz_asks_every_part(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": PARTS}


def test_a_probe_by_ip_over_http_is_answered_in_production(client, settings):
    settings.ALLOWED_HOSTS = ["hushpost.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    settings.HUSHPOST_TRUSTED_PROXIES = []
    for path in ("/healthz", "/readyz"):
        response = client.get(path, HTTP_HOST="10.0.0.5:8000")
        assert response.status_code == 200, path
    # The rest of the site still refuses that host.
    assert client.get("/accounts/login/", HTTP_HOST="10.0.0.5:8000").status_code == 400


def test_an_unapplied_migration_is_named(client):
    recorder = MigrationRecorder(connection)
    latest = recorder.migration_qs.filter(app="delivery").order_by("-id").first()
    latest.delete()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {**PARTS, "migrations": "1 app(s) not migrated"},
    }


def test_a_cache_that_is_down_is_named_without_its_address(client, settings, free_port_number):
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port_number}/0",
        }
    }
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["cache"].startswith("failed (")
    assert {name: result for name, result in body["checks"].items() if name != "cache"} == {
        name: result for name, result in PARTS.items() if name != "cache"
    }
    assert str(free_port_number) not in response.content.decode()


@pytest.fixture
def free_port_number():
    from tests.conftest import free_port

    return free_port()


@pytest.mark.django_db(transaction=True)
def test_a_real_web_process_with_its_database_down_is_live_but_not_ready(tmp_path):
    from tests.conftest import free_port

    web = start_web(tmp_path, workers=1, env={"HUSHPOST_TRUSTED_PROXIES": ""})
    try:
        assert requests.get(web.url + "/readyz", timeout=10).json()["status"] == "ok"
    finally:
        web.stop()
    closed = f"postgresql://hushpost:secret-pw@127.0.0.1:{free_port()}/gone"
    down = start_web(tmp_path, workers=1, env={"DATABASE_URL": closed}, wait_path="/healthz")
    try:
        assert requests.get(down.url + "/healthz", timeout=10).status_code == 200
        ready = requests.get(down.url + "/readyz", timeout=10)
        assert ready.status_code == 503
        assert ready.json()["checks"] == {
            "database": "unavailable",
            "cache": ready.json()["checks"]["cache"],
            "migrations": "unknown",
            "keys": "ok",
        }
        assert "secret-pw" not in ready.text and "gone" not in ready.text
    finally:
        down.stop()
