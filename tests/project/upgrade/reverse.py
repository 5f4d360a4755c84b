"""Migrate an empty database all the way, undo every Hushpost migration, and migrate again.

Run by tests/project/test_upgrade.py on a scratch database; an irreversible
operation (RunPython without a reverse, say) raises here and fails the test.
Third-party apps' migrations are theirs to keep reversible (django-tasks-db's
are not), so only Hushpost's apps go back to zero. Prints one JSON line
(prefixed REVERSED).
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
django.setup()

from django.apps import apps  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.migrations.executor import MigrationExecutor  # noqa: E402


def executor() -> MigrationExecutor:
    ready = MigrationExecutor(connection)
    ready.loader.build_graph()
    return ready


def applied() -> set[tuple[str, str]]:
    return set(executor().loader.applied_migrations)


def ours(node: tuple[str, str]) -> bool:
    return apps.get_app_config(node[0]).name.startswith("hushpost.")


leaves = executor().loader.graph.leaf_nodes()
executor().migrate(leaves)
everything = {node for node in executor().loader.graph.nodes if ours(node)}
executor().migrate([(app, None) for app in sorted({app for app, _ in everything})])
after_zero = {node for node in applied() if ours(node)}
executor().migrate(leaves)

print(
    "REVERSED "
    + json.dumps(
        {
            "migrations": len(everything),
            "applied_after_zero": sorted(after_zero),
            "unapplied_at_the_end": sorted(everything - applied()),
        }
    )
)
