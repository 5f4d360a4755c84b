"""Import uploads to the API are held in memory (imports.uploads), never in a temporary file.

Upload handlers can only change before anything reads the request body, which
django-ninja does before an operation runs; so this is a middleware.
"""

from __future__ import annotations

from hushpost.imports.uploads import keep_upload_in_memory

IMPORTS_PATH = "/api/v1/imports"


class ImportUploadMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path.rstrip("/") == IMPORTS_PATH:
            keep_upload_in_memory(request)
        return self.get_response(request)
