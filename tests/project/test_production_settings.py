"""Production fails closed, and `check --deploy` is clean when configured."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
KEYS = "k1:" + "A" * 43  # 32 zero-ish bytes in URL-safe base64


def hushpost(*args, env_overrides, tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(
            ("HUSHPOST_", "DATABASE_URL", "REDIS_URL", "SMTP_", "DJANGO_", "TWILIO_", "PROMETHEUS_")
        )
    }
    env.update({"HUSHPOST_DATA_DIR": str(tmp_path), **env_overrides})
    return subprocess.run(
        [sys.executable, "-m", "hushpost.cli", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env(**overrides):
    env = {
        "HUSHPOST_ENV": "production",
        "HUSHPOST_SECRET_KEY": secrets.token_urlsafe(50),
        "HUSHPOST_ALLOWED_HOSTS": "hushpost.example.com",
        "HUSHPOST_BASE_URL": "https://hushpost.example.com",
        "HUSHPOST_KEYS": KEYS,
        "HUSHPOST_SECURITY_CONTACT": "psirt@hushpost.example.com",
        "HUSHPOST_TRUSTED_PROXIES": "127.0.0.1",
        "SMTP_HOST": "smtp.example.com",
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "twilio-token",
        "TWILIO_FROM_NUMBER": "+15005550006",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


@pytest.mark.parametrize(
    "missing", ["HUSHPOST_SECRET_KEY", "HUSHPOST_ALLOWED_HOSTS", "HUSHPOST_KEYS"]
)
def test_production_refuses_to_start_without(missing, tmp_path):
    result = hushpost(
        "manage", "check", env_overrides=production_env(**{missing: None}), tmp_path=tmp_path
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"hushpost: HUSHPOST_ENV=production needs {missing}: see docs/OPERATIONS.md."
    ]


def test_production_refuses_a_short_secret_key(tmp_path):
    result = hushpost(
        "manage",
        "check",
        env_overrides=production_env(HUSHPOST_SECRET_KEY="short"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert "at least 50 characters" in result.stderr


def test_an_unknown_environment_name_is_refused(tmp_path):
    result = hushpost("manage", "check", env_overrides={"HUSHPOST_ENV": "prod"}, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "HUSHPOST_ENV='prod' is not known" in result.stderr


def test_a_malformed_key_ring_is_refused_at_start(tmp_path):
    result = hushpost(
        "manage",
        "check",
        env_overrides=production_env(HUSHPOST_KEYS="k1:c2hvcnQ"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert "must be 32" in result.stderr


def test_check_deploy_is_clean_in_production(tmp_path):
    result = hushpost(
        "manage",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides=production_env(),
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout


def test_development_needs_no_configuration_and_keeps_its_generated_secrets(tmp_path):
    first = hushpost("manage", "check", env_overrides={}, tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    secret = (tmp_path / "secret_key").read_text()
    keys = (tmp_path / "keys").read_text() if (tmp_path / "keys").exists() else None
    second = hushpost("manage", "check", env_overrides={}, tmp_path=tmp_path)
    assert second.returncode == 0
    assert (tmp_path / "secret_key").read_text() == secret
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"
    if keys is not None:
        assert (tmp_path / "keys").read_text() == keys
