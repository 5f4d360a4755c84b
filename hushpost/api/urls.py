"""Mounted at /api/v1/ by hushpost/urls.py."""

from django.urls import URLPattern, include, path, re_path

from hushpost.api.answers import no_such_endpoint, outside_operations
from hushpost.api.main import api

_patterns, _app_name, _namespace = api.urls

urlpatterns = [
    path(
        "",
        include(
            (
                [
                    URLPattern(p.pattern, outside_operations(p.callback), p.default_args, p.name)
                    for p in _patterns
                ],
                _app_name,
            ),
            namespace=_namespace,
        ),
    ),
    # Anything else under /api/v1/ is a problem JSON 404, not the staff UI's HTML page.
    re_path(r"^.*$", no_such_endpoint),
]
