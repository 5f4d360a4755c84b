"""Tiny typed readers for settings that come from the environment.

Each reader also accepts ``NAME_FILE`` pointing at a file that holds the
value, so secrets can come from Docker/Kubernetes secret mounts.
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured


def envstr(name: str, default: str = "") -> str:
    file_path = os.environ.get(f"{name}_FILE")
    if file_path:
        try:
            with open(file_path, encoding="utf-8") as fh:
                return fh.read().strip()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{name}_FILE={file_path} cannot be read: {exc.strerror}"
            ) from exc
    return os.environ.get(name, default).strip()


def envbool(name: str, default: bool) -> bool:
    raw = envstr(name)
    if not raw:
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean: use true or false.")


def envint(name: str, default: int) -> int:
    raw = envstr(name)
    if not raw:
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from None


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]
