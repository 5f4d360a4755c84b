"""The sign-in counters live in the shared cache (the database table without
REDIS_URL, Redis with it), so failures counted by other processes — other
gunicorn workers, other machines — lock an account here too."""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]

FAIL_FOUR_TIMES = """
import django, sys
from django.conf import settings
django.setup()
# This test's own key prefix (each test counts afresh), read before the cache is first used.
settings.CACHES["default"]["KEY_PREFIX"] = sys.argv[2]
from hushpost.accounts import sign_in, throttle
for _ in range(4):
    throttle.add_failure(sign_in.account_limit(), sys.argv[1])
"""


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgresql://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def another_process_fails(email: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "hushpost.settings",
            "HUSHPOST_DATA_DIR": str(django_settings.DATA_DIR),
        }
    )
    prefix = django_settings.CACHES["default"].get("KEY_PREFIX", "")
    subprocess.run(
        [sys.executable, "-c", FAIL_FOUR_TIMES, email, prefix],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=60,
    )


@pytest.mark.django_db(transaction=True)
def test_failures_in_other_processes_lock_the_account_here(client, alice, settings):
    assert "locmem" not in settings.CACHES["default"]["BACKEND"]
    settings.HUSHPOST_SIGNIN_ACCOUNT_FAILURES = 5
    another_process_fails(alice.email)
    # The fifth failure, counted here, makes five.
    response = client.post("/accounts/login/", {"username": alice.email, "password": "wrong"})
    assert "Too many failed sign-in attempts" in response.content.decode()
    refused = client.post("/accounts/login/", {"username": alice.email, "password": PASSWORD})
    assert (
        refused.status_code == 429
        and "Too many failed sign-in attempts" in refused.content.decode()
    )
