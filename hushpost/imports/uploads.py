"""Receiving an import upload: held in memory, never written to a temporary file.

The file is contact data and must not sit in /tmp unencrypted; the staff
page and the API install this handler before anything reads the body.
"""

from __future__ import annotations

from django.core.files.uploadhandler import MemoryFileUploadHandler

from hushpost.imports.pipeline import MAX_UPLOAD_BYTES

# Room for the multipart envelope around the file itself.
ENVELOPE_BYTES = 64 * 1024


class KeepUploadInMemory(MemoryFileUploadHandler):
    """The whole upload in memory; one larger than the limit is not kept at all."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= MAX_UPLOAD_BYTES + ENVELOPE_BYTES


def keep_upload_in_memory(request) -> None:
    request.upload_handlers = [KeepUploadInMemory(request)]


def upload_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + ENVELOPE_BYTES
    except ValueError:
        return False
