"""/webhooks: endpoints that get signed events (Standard Webhooks), their attempts, replays.

The rules are hushpost.webhooks.endpoints', shared with the staff page
(Settings → Webhooks). The secret is in the answer to POST /webhooks and to
POST /webhooks/{id}/rotate-secret, and nowhere else.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from ninja import Field, Path, Router, Schema, Status
from pydantic import WithJsonSchema

from hushpost.activity.models import EventKind
from hushpost.api.auth import actor_label
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.problems import Invalid, NotFound, problem
from hushpost.api.schemas import Problem, ValidationProblem
from hushpost.webhooks.endpoints import (
    Busy,
    EndpointInvalid,
    create_endpoint,
    delete_endpoint,
    replay,
    rotate_secret,
    send_test,
    update_endpoint,
)
from hushpost.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

router = Router(tags=["webhooks"])

ITEM_ERRORS = {401: Problem, 404: Problem, 422: ValidationProblem}
MAX_ID = 2**63 - 1  # the database's largest id; beyond it a lookup would be an error
# Checked by hushpost.webhooks.endpoints (one message naming every unknown kind);
# documented here as the kinds that exist when the document is built.
EventName = Annotated[
    str,
    WithJsonSchema(
        {"type": "string", "enum": [*EventKind.values, "*"], "description": "An event kind."}
    ),
]
EVENTS_HELP = (
    'Event kinds to send (as `GET /events` names them), or `["*"]` for every kind, '
    "including kinds added later."
)


class WebhookIn(Schema):
    url: str = Field(
        ...,
        max_length=2000,
        description="https:// address that receives POSTs; private addresses are refused.",
        examples=["https://ehr.example.com/hooks/hushpost"],
    )
    events: list[EventName] = Field(
        ..., min_length=1, max_length=200, description=EVENTS_HELP, examples=[["*"]]
    )
    description: str = Field("", max_length=200)


class WebhookPatch(Schema):
    url: str = Field(None, max_length=2000)
    events: list[EventName] = Field(None, min_length=1, max_length=200, description=EVENTS_HELP)
    description: str = Field(None, max_length=200)
    enabled: bool = Field(None, description="false stops sending (and gives up what waits).")


class WebhookOut(Schema):
    id: UUID
    url: str
    events: list[str]
    description: str
    enabled: bool
    disabled_reason: str = Field(..., description="Why it is off; empty while it is on.")
    failing_since: datetime | None = Field(
        ..., description="Since when every attempt failed; null while the last one worked."
    )
    created_at: datetime


class WebhookWithSecret(WebhookOut):
    secret: str = Field(
        ...,
        description="`whsec_…`: verify signatures with it. Shown only now; store it.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class RotatedSecret(WebhookWithSecret):
    previous_secret_expires_at: datetime = Field(
        ..., description="Until then every webhook is signed with both secrets."
    )


class WebhookList(Schema):
    items: list[WebhookOut]
    count: int


class QueuedMessage(Schema):
    message_id: int
    webhook_id: str = Field(..., description="The webhook-id header it is sent with.")
    type: str
    status: Literal["pending", "sending", "succeeded", "failed"]
    next_attempt_at: datetime | None


class AttemptOut(Schema):
    id: int
    message_id: int
    event_id: int | None = Field(..., description="The event sent; null for a test.")
    webhook_id: str
    type: str
    attempted_at: datetime
    succeeded: bool
    status_code: int | None = Field(..., description="The receiver's HTTP status; null if none.")
    duration_ms: int
    error: str
    next_attempt_at: datetime | None = Field(
        ..., description="When it is tried again after this attempt; null when it won't be."
    )


class AttemptList(Schema):
    items: list[AttemptOut]
    count: int


def find_webhook(organization, webhook_id: UUID) -> WebhookEndpoint:
    endpoint = WebhookEndpoint.objects.for_org(organization).filter(pk=webhook_id).first()
    if endpoint is None:
        raise NotFound("No webhook with this id.")
    return endpoint


def webhook_out(endpoint: WebhookEndpoint) -> dict:
    return {
        "id": endpoint.pk,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason,
        "failing_since": endpoint.failing_since,
        "created_at": endpoint.created_at,
    }


def queued_out(message: WebhookMessage) -> dict:
    return {
        "message_id": message.pk,
        "webhook_id": message.webhook_id,
        "type": message.event_type,
        "status": message.status,
        "next_attempt_at": message.next_attempt_at,
    }


def _invalid(error: EndpointInvalid) -> Invalid:
    return Invalid((name, text) for name, texts in error.problems.items() for text in texts)


@router.get("/webhooks", response={200: WebhookList, 401: Problem, 422: ValidationProblem})
def list_webhooks(request, limit: int = Limit(), offset: int = Offset()):
    """The organization's webhook endpoints, oldest first."""
    items, count = page(WebhookEndpoint.objects.for_org(request.org), limit, offset)
    return {"items": [webhook_out(item) for item in items], "count": count}


@router.post(
    "/webhooks",
    response={201: WebhookWithSecret, 401: Problem, 422: ValidationProblem},
    summary="Add a webhook endpoint",
    description=(
        "The answer holds the signing secret, shown only this once. The URL must be https "
        "(in production) and resolve to a public address."
    ),
)
def create_webhook(request, payload: WebhookIn):
    try:
        endpoint, secret = create_endpoint(
            request.org,
            url=payload.url,
            events=payload.events,
            description=payload.description,
            actor_label=actor_label(request),
        )
    except EndpointInvalid as error:
        raise _invalid(error) from None
    return Status(201, {**webhook_out(endpoint), "secret": secret})


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **ITEM_ERRORS})
def get_webhook(request, webhook_id: UUID):
    """One endpoint (without its secret)."""
    return webhook_out(find_webhook(request.org, webhook_id))


@router.patch(
    "/webhooks/{webhook_id}",
    response={200: WebhookOut, **ITEM_ERRORS},
    summary="Change a webhook endpoint",
    description="Only the fields sent change. `enabled: true` turns an endpoint on again.",
)
def patch_webhook(request, webhook_id: UUID, payload: WebhookPatch):
    endpoint = find_webhook(request.org, webhook_id)
    try:
        update_endpoint(
            endpoint, **payload.model_dump(exclude_unset=True), actor_label=actor_label(request)
        )
    except EndpointInvalid as error:
        raise _invalid(error) from None
    return webhook_out(endpoint)


@router.delete("/webhooks/{webhook_id}", response={204: None, **ITEM_ERRORS})
def delete_webhook(request, webhook_id: UUID):
    """The endpoint, what waits for it and its attempts go; nothing more is sent to it."""
    delete_endpoint(find_webhook(request.org, webhook_id), actor_label=actor_label(request))
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response={200: RotatedSecret, **ITEM_ERRORS},
    summary="Rotate the signing secret",
    description=(
        "A new secret, shown only in this answer. For 24 hours every webhook is signed "
        "with the new and the old secret (two `v1,` signatures), so the receiver can switch."
    ),
)
def rotate_webhook_secret(request, webhook_id: UUID):
    endpoint = find_webhook(request.org, webhook_id)
    secret = rotate_secret(endpoint, actor_label=actor_label(request))
    endpoint.refresh_from_db()
    return {
        **webhook_out(endpoint),
        "secret": secret,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
    }


@router.post(
    "/webhooks/{webhook_id}/test",
    response={202: QueuedMessage, **ITEM_ERRORS},
    summary="Send a test event",
    description="A signed `webhook_test` event, sent within seconds; see its attempt after.",
)
def test_webhook(request, webhook_id: UUID):
    return Status(202, queued_out(send_test(find_webhook(request.org, webhook_id))))


@router.get(
    "/webhooks/{webhook_id}/attempts",
    response={200: AttemptList, **ITEM_ERRORS},
    summary="List the attempts to an endpoint",
    description="Newest first: each HTTP request, its outcome and when the next try is.",
)
def list_attempts(request, webhook_id: UUID, limit: int = Limit(), offset: int = Offset()):
    endpoint = find_webhook(request.org, webhook_id)
    attempts = WebhookAttempt.objects.filter(endpoint=endpoint).select_related("message")
    items, count = page(attempts, limit, offset)
    return {"items": [_attempt_out(item) for item in items], "count": count}


def _attempt_out(attempt: WebhookAttempt) -> dict:
    return {
        "id": attempt.pk,
        "message_id": attempt.message_id,
        "event_id": attempt.message.event_id,
        "webhook_id": attempt.message.webhook_id,
        "type": attempt.message.event_type,
        "attempted_at": attempt.attempted_at,
        "succeeded": attempt.succeeded,
        "status_code": attempt.status_code,
        "duration_ms": attempt.duration_ms,
        "error": attempt.error,
        "next_attempt_at": attempt.next_attempt_at,
    }


@router.post(
    "/webhooks/{webhook_id}/attempts/{attempt_id}/replay",
    response={202: QueuedMessage, 409: Problem, **ITEM_ERRORS},
    summary="Send an attempt's event again",
    description=(
        "Its message goes out again now, with the same webhook-id, and retries as new. "
        "409 while it is being sent."
    ),
)
def replay_attempt(request, webhook_id: UUID, attempt_id: int = Path(..., ge=1, le=MAX_ID)):
    endpoint = find_webhook(request.org, webhook_id)
    attempt = WebhookAttempt.objects.filter(endpoint=endpoint, pk=attempt_id).first()
    if attempt is None:
        raise NotFound("No attempt with this id for this webhook.")
    try:
        message = replay(attempt)
    except Busy as error:
        return problem(409, str(error))
    return Status(202, queued_out(message))
