"""Taking a message's files from a request: in memory, within Compose's limits.

Shared by the staff pages (web) and the API: both take up to MAX_ATTACHMENTS
files of MAX_ATTACHMENT_BYTES each, and neither lets Django spill a large
upload into a temporary file, where an attachment would sit in /tmp in the clear.
"""

from __future__ import annotations

from django.core.files.uploadhandler import MemoryFileUploadHandler

from hushpost.messaging.compose import MAX_ATTACHMENT_BYTES, MAX_ATTACHMENTS, NewAttachment

MAX_ATTACHMENT_MB = MAX_ATTACHMENT_BYTES // (1024 * 1024)
# Room for the text fields and the multipart envelope around the files.
_ENVELOPE_BYTES = 1024 * 1024
MAX_REQUEST_BYTES = MAX_ATTACHMENTS * MAX_ATTACHMENT_BYTES + _ENVELOPE_BYTES
TOO_LARGE = (
    "The files are too large together: "
    f"at most {MAX_ATTACHMENTS} files of {MAX_ATTACHMENT_MB} MB each."
)


class AttachmentsInMemory(MemoryFileUploadHandler):
    """Keep uploads in memory: attachments are encrypted at rest and must
    not sit in /tmp in the clear.

    A request larger than any allowed set of files is not taken at all; the
    caller then says the files are too large (request_too_large).
    """

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= MAX_REQUEST_BYTES


def request_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_REQUEST_BYTES
    except ValueError:
        return False


def read_attachments(files) -> tuple[list[NewAttachment], list[str]]:
    """The uploads as NewAttachments, and a problem for each file too large to read."""
    attachments, problems = [], []
    for upload in files:
        if upload.size > MAX_ATTACHMENT_BYTES:
            # Not read at all: the size is known from the upload.
            problems.append(f"{upload.name} is over {MAX_ATTACHMENT_MB} MB.")
            continue
        content_type = upload.content_type or "application/octet-stream"
        attachments.append(
            NewAttachment(file_name=upload.name, content_type=content_type, data=upload.read())
        )
    return attachments, problems
