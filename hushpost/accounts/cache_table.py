"""The database cache's table, made wherever the schema is made.

Without REDIS_URL the sign-in limits live in Django's DatabaseCache, whose
table no migration creates. Every `migrate` (the demo's `hushpost run`, an
operator's `hushpost manage migrate`, the test runner) ends by making it, so
no install can reach a sign-in page without it. `createcachetable` skips a
table that exists.
"""

from django.core.management import call_command


def create_cache_table(sender, using="default", **kwargs) -> None:
    call_command("createcachetable", database=using, verbosity=0)
