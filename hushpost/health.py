"""/healthz and /readyz for load balancers and orchestrators.

`/healthz` says the process serves; `/readyz` also asks the parts a request
needs — the database, the shared cache, whether every migration this code
knows is applied, and whether the key ring encrypts and decrypts — and
answers 503 naming the part that failed. Both are answered by the first
middleware, before the host check, the https redirect and everything else: a
probe comes by IP address over plain http, even in production. Cheap enough
for a probe a second (one small query per part; the migrations on disk are
read once per process), and they say nothing an outsider could use: a part
is "ok" or why it isn't in a few words, never an error's text.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.core.cache import caches
from django.db import DatabaseError, connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.http import HttpResponse, JsonResponse

PATHS = ("/healthz", "/readyz")


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _cache() -> str:
    caches["default"].get("hushpost:readyz")
    return "ok"


@cache
def _known_migrations() -> frozenset[tuple[str, str]]:
    # From disk, once: this code's migrations don't change while it runs.
    return frozenset(MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes())


def _migrations() -> str:
    applied = set(MigrationRecorder(connection).applied_migrations())
    missing = _known_migrations() - applied
    return "ok" if not missing else f"{len(missing)} app(s) not migrated"


def _keys() -> str:
    from hushpost.crypto.keyring import decrypt, encrypt

    return "ok" if decrypt(encrypt("readyz", "readyz"), "readyz") == "readyz" else "failed"


CHECKS: dict[str, Callable[[], str]] = {
    "database": _database,
    "cache": _cache,
    "migrations": _migrations,
    "keys": _keys,
}


def _ask(name: str, check: Callable[[], str]) -> str:
    try:
        return check()
    except DatabaseError:
        return "unavailable"
    except Exception as error:  # noqa: BLE001 - a probe reports, it never raises
        # The error's class only: its text may hold a host, a user or a path.
        return f"failed ({type(error).__name__})"


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        # Migrations can't be read without the database.
        if name == "migrations" and results.get("database") != "ok":
            results[name] = "unknown"
            continue
        results[name] = _ask(name, check)
    return all(result == "ok" for result in results.values()), results


def _answer(body: dict, status: int) -> HttpResponse:
    response = JsonResponse(body, status=status)
    response["Cache-Control"] = "no-store"
    return response


class HealthMiddleware:
    """First in MIDDLEWARE: probes are answered before anything asks for the Host."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in PATHS or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if request.path_info == "/healthz":
            return _answer({"status": "ok"}, 200)
        ready, results = readiness()
        return _answer(
            {"status": "ok" if ready else "unavailable", "checks": results}, 200 if ready else 503
        )
