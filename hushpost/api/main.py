"""The REST API, version 1: one NinjaAPI, one router per resource, problem JSON for every error."""

from __future__ import annotations

from ninja import NinjaAPI

from hushpost.api import (
    appointments,
    attachments,
    auto_messages,
    calendar_feeds,
    confirmation_settings,
    contacts,
    conversations,
    custom_fields,
    events,
    imports,
    links,
    messages,
    problems,
    settings,
    webhooks,
)
from hushpost.api.auth import ApiKeyAuth
from hushpost.api.problems import CONTENT_TYPE as PROBLEM_CONTENT_TYPE
from hushpost.api.webhook_docs import add_webhooks

DESCRIPTION = """\
Hushpost's REST API. Authenticate with an organization's API key as
`Authorization: Bearer <key>`; every id is scoped to that organization.
Errors are problem JSON (RFC 9457). Each key may make HUSHPOST_API_RATE requests
a minute (RateLimit headers say what is left). Events reach your own endpoints as
signed webhooks (Standard Webhooks): see `/webhooks` and the `webhooks` section.
docs/API.md in the repository has a quick start and examples.
"""


class HushpostAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        # ninja documents every response as application/json; errors go out as
        # problem JSON, and the document should say what clients will receive.
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if str(status).startswith(("4", "5")) and "application/json" in content:
                        content[PROBLEM_CONTENT_TYPE] = content.pop("application/json")
        add_webhooks(schema)
        return schema


api = HushpostAPI(
    title="Hushpost API",
    version="1",
    description=DESCRIPTION,
    auth=ApiKeyAuth(),
    urls_namespace="api-v1",
    # The documentation pages need no key; every operation does.
    openapi_url="/openapi.json",
    docs_url="/docs",
)
problems.install(api)

for module in (
    contacts,
    settings,
    confirmation_settings,
    custom_fields,
    messages,
    conversations,
    attachments,
    events,
    auto_messages,
    appointments,
    imports,
    calendar_feeds,
    links,
    webhooks,
):
    api.add_router("/", module.router)
