"""Bodies that are JSON, or multipart/form-data carrying JSON and files.

Sending a message (POST /messages, POST /conversations/{id}/messages) takes
either `application/json`, or `multipart/form-data` with the same JSON
document in a form field `payload` and the files in fields `files` — within
Compose's limits (messaging.attachment_uploads). ninja reads one body type
per operation, so these operations read their own and document both in the
OpenAPI document (`request_body`).
"""

from __future__ import annotations

import json
from typing import Any

from django.http.multipartparser import MultiPartParserError
from ninja import Schema
from ninja.errors import HttpError, ValidationError
from pydantic import ValidationError as PydanticError

from hushpost.api.problems import Invalid
from hushpost.api.text_guard import bad_values, problem_with
from hushpost.messaging.attachment_uploads import (
    MAX_REQUEST_BYTES,
    TOO_LARGE,
    AttachmentsInMemory,
    read_attachments,
    request_too_large,
)
from hushpost.messaging.compose import MAX_ATTACHMENTS, NewAttachment

MULTIPART = "multipart/form-data"
FILE_FIELD = "files"
NOT_JSON = "The body is not JSON: send application/json, or multipart/form-data with `payload`."


def request_body(schema: type[Schema], description: str) -> dict[str, Any]:
    """The OpenAPI requestBody of an operation that reads its body with `read_body`."""
    json_schema = schema.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/json": {"schema": json_schema},
                MULTIPART: {
                    "schema": {
                        "type": "object",
                        "required": ["payload"],
                        "properties": {
                            "payload": {
                                "type": "string",
                                "contentMediaType": "application/json",
                                "contentSchema": json_schema,
                                "description": "The same JSON document as application/json.",
                            },
                            FILE_FIELD: {
                                "type": "array",
                                "maxItems": MAX_ATTACHMENTS,
                                "items": {"type": "string", "format": "binary"},
                                "description": TOO_LARGE.replace("too large together: at", "At"),
                            },
                        },
                    },
                    "encoding": {"payload": {"contentType": "application/json"}},
                },
            },
        }
    }


def _parse(text: bytes | str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, NOT_JSON) from None


def read_body(request, schema: type[Schema]) -> tuple[Any, list[NewAttachment]]:
    """The validated document and the files sent with it; 400, 413 or 422 otherwise."""
    attachments: list[NewAttachment] = []
    if request.content_type == MULTIPART:
        # Files stay in memory (never a plain temporary file) within Compose's
        # limits; nothing has read the body yet: these operations take no body
        # parameter from ninja, and the text guard reads only JSON.
        request.upload_handlers = [AttachmentsInMemory(request)]
        if request_too_large(request):
            raise HttpError(413, f"{TOO_LARGE} (at most {MAX_REQUEST_BYTES:,} bytes in all).")
        try:
            raw = request.POST.get("payload")
            request.FILES  # noqa: B018 — parsed together with POST; errors surface here
        except MultiPartParserError as error:
            raise HttpError(400, f"The multipart body could not be read: {error}.") from None
        if raw is None:
            raise Invalid([("payload", "Send the JSON document in a form field named payload.")])
        data = _parse(raw)
        others = sorted(set(request.FILES) - {FILE_FIELD})
        if others:
            raise Invalid([(name, "Send files in form fields named files.") for name in others])
        uploads = request.FILES.getlist(FILE_FIELD)
        for upload in uploads:
            if problem_with(upload.name or ""):
                raise Invalid([(FILE_FIELD, f"A file name {problem_with(upload.name)}")])
        attachments, problems = read_attachments(uploads)
        if problems:
            raise Invalid([(FILE_FIELD, text) for text in problems])
    elif request.content_type in ("application/json", ""):
        data = _parse(request.body or b"")
    else:
        raise HttpError(415, f"Send application/json or {MULTIPART}, not {request.content_type}.")
    problems = list(bad_values(data, ""))
    if problems:
        raise Invalid(problems)
    try:
        return schema.model_validate(data), attachments
    except PydanticError as error:
        raise ValidationError(
            [{**item, "loc": ("body", "payload", *item["loc"])} for item in error.errors()]
        ) from None
