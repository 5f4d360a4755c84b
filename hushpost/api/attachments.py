"""/attachments/{id}: download a file of a conversation (logged as a view by the key)."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from ninja import Router

from hushpost.api.auth import actor_label
from hushpost.api.problems import NotFound
from hushpost.api.schemas import Problem
from hushpost.messaging.conversations import open_attachment, served_content_type

router = Router(tags=["conversations"])


@router.get(
    "/attachments/{attachment_id}",
    response={401: Problem, 404: Problem},
    summary="Download an attachment",
    description=(
        "The file itself, as an attachment (never inline). Its id is in the conversation's "
        "messages. Each download is logged as `staff_viewed_conversation` by the key."
    ),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, with its content type and file name.",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download(request, attachment_id: UUID):
    item = open_attachment(request.org, attachment_id, actor_label=actor_label(request))
    if item is None:
        raise NotFound("No attachment with this id.")
    response = HttpResponse(item.data, content_type=served_content_type(item))
    response["Content-Disposition"] = content_disposition_header(True, item.file_name)
    return response
