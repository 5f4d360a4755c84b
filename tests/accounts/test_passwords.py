"""Passwords hash with argon2 and staff sessions end: checked against the real settings.

The suite's conftest switches hashing to MD5 for speed, so these tests read
the settings module itself and a fresh interpreter, not the overridden values.
"""

import importlib
import json
import os
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password

REAL = importlib.import_module("hushpost.settings")


def test_argon2_is_the_first_password_hasher():
    assert REAL.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_a_password_hashed_with_the_real_settings_is_argon2(settings):
    settings.PASSWORD_HASHERS = REAL.PASSWORD_HASHERS
    encoded = make_password("correct horse battery staple")
    assert encoded.startswith("argon2$")
    assert identify_hasher(encoded).algorithm == "argon2"
    assert check_password("correct horse battery staple", encoded)
    assert not check_password("wrong", encoded)


@pytest.fixture
def defaults_in_a_fresh_process(tmp_path):
    """The settings a fresh install gets, with none of the session variables set."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_STAFF_SESSION", "DJANGO_SETTINGS"))
    }
    env["HUSHPOST_DATA_DIR"] = str(tmp_path)
    code = (
        "import json, hushpost.settings as s; print(json.dumps({'age': s.SESSION_COOKIE_AGE, "
        "'every_request': s.SESSION_SAVE_EVERY_REQUEST, 'hasher': s.PASSWORD_HASHERS[0]}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_staff_sessions_last_eight_idle_hours_by_default(defaults_in_a_fresh_process):
    assert defaults_in_a_fresh_process == {
        "age": 8 * 60 * 60,
        "every_request": True,  # each request pushes the end forward: an idle timeout
        "hasher": "django.contrib.auth.hashers.Argon2PasswordHasher",
    }
