"""Print the database's schema as one JSON line (prefixed SCHEMA): per table, its
columns (name, type, null) and its constraints and indexes (name, columns,
kind). Column order is left out: SQLite rebuilds a table to alter it, which
reorders columns without changing what they are.

tests/project/test_upgrade.py compares an upgraded database with a fresh one
this way, so a migration edited after a release (which an existing install
never runs again) shows up as a difference.
"""

from __future__ import annotations

import json
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
django.setup()

from django.db import connection  # noqa: E402

schema: dict[str, dict] = {}
with connection.cursor() as cursor:
    introspection = connection.introspection
    for table in introspection.get_table_list(cursor):
        if table.type != "t" or table.name.startswith("sqlite_"):
            continue
        columns = sorted(
            [
                column.name,
                introspection.get_field_type(column.type_code, column)
                if connection.vendor != "sqlite"
                else str(column.type_code).lower(),
                bool(column.null_ok),
            ]
            for column in introspection.get_table_description(cursor, table.name)
        )
        constraints = sorted(
            [
                name,
                list(info["columns"] or []),
                bool(info["primary_key"]),
                bool(info["unique"]),
                bool(info["index"]),
                bool(info["check"]),
                list(info["foreign_key"] or []),
            ]
            for name, info in introspection.get_constraints(cursor, table.name).items()
        )
        schema[table.name] = {"columns": columns, "constraints": constraints}

print("SCHEMA " + json.dumps(schema, sort_keys=True))
