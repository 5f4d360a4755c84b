"""The database and cache are the ones the environment names, over real connections."""

import os

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_database_is_the_one_database_url_names():
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        assert connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version_num")
            assert int(cursor.fetchone()[0]) >= 150000
    else:
        assert connection.vendor == "sqlite"


def test_sqlite_runs_in_wal_mode_with_immediate_transactions(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: runs in the SQLite pass of .ci/run")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in options["init_command"]


def test_the_cache_is_redis_when_redis_url_is_set():
    if not os.environ.get("REDIS_URL"):
        pytest.skip("runs in the PostgreSQL + Redis pass of .ci/run")
    import redis

    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache"
    cache.set("ci-probe", "hello", 30)
    assert cache.get("ci-probe") == "hello"
    raw = redis.Redis.from_url(os.environ["REDIS_URL"])
    assert any(b"ci-probe" in key for key in raw.keys("hushpost*"))
    cache.delete("ci-probe")
