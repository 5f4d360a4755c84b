"""Without REDIS_URL the shared cache is a database table: every migrate makes it."""

import pytest
from django.core.management import call_command
from django.db import connection

TABLE = "hushpost_cache"


@pytest.mark.django_db(transaction=True)
def test_migrate_makes_the_cache_table_when_it_is_missing(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": TABLE}
    }
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
    try:
        assert TABLE not in connection.introspection.table_names()
        call_command("migrate", verbosity=0)
        assert TABLE in connection.introspection.table_names()
        from django.core.cache import cache

        cache.set("hp:probe", 1, 30)
        assert cache.get("hp:probe") == 1
    finally:
        call_command("createcachetable", verbosity=0)
