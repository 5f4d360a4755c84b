"""The OpenAPI document's `webhooks` section (OpenAPI 3.1): one entry per event type.

Made from EventKind at the time the document is built, so a kind added later
is documented (and subscribable) without touching this file; each entry's
example comes from hushpost.webhooks.examples, which runs the real payload code.
"""

from __future__ import annotations

from typing import Any

from ninja import Field, Schema

from hushpost.webhooks.examples import every_type, example_payload
from hushpost.webhooks.sender import TIMEOUT

HEADERS = [
    ("webhook-id", "The event's id: the same on every retry and replay. Drop repeats by it."),
    ("webhook-timestamp", "When this try was sent, in seconds since 1970 (UTC)."),
    (
        "webhook-signature",
        "`v1,<base64 HMAC-SHA256>` over `<webhook-id>.<webhook-timestamp>.<body>` with the "
        "secret, space-separated when two secrets are in force after a rotation.",
    ),
]


class WebhookData(Schema):
    """Ids and states only; fetch what you may see through the API."""

    model_config = {"extra": "allow"}

    event_id: int | None = Field(..., description="The event (GET /events); null for a test.")
    organization: str = Field(..., description="The organization's slug.")
    contact_id: str | None
    message_id: str | None
    delivery_id: str | None
    link_id: str | None
    appointment_id: str | None
    channel: str | None = Field(..., description="sms, email or voice, when it concerns one.")
    status: str | None = Field(..., description="The delivery's (or appointment's) new state.")
    reason: str | None = Field(
        ..., description="Why it failed or was held, with addresses and numbers masked."
    )


class WebhookPayload(Schema):
    type: str = Field(..., description="The event kind, as GET /events names it.")
    timestamp: str = Field(..., description="When the event happened (ISO 8601, UTC).")
    data: WebhookData


def add_webhooks(schema: dict[str, Any]) -> None:
    component = WebhookPayload.model_json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(component.pop("$defs", {}))
    components["WebhookPayload"] = component
    parameters = [
        {
            "name": name,
            "in": "header",
            "required": True,
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in HEADERS
    ]
    schema["webhooks"] = {
        kind: {
            "post": {
                "summary": label,
                "operationId": f"webhook_{kind}",
                "description": (
                    f"Sent to endpoints subscribed to `{kind}` (or `*`), signed per Standard "
                    f"Webhooks. Answer any 2xx within {TIMEOUT:g} s; anything else is retried."
                ),
                "parameters": parameters,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/WebhookPayload"},
                            "example": example_payload(kind),
                        }
                    },
                },
                "responses": {
                    "2XX": {"description": "Received. Redirects are not followed."},
                },
            }
        }
        for kind, label in every_type()
    }
