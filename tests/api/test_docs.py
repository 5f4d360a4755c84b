import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_openapi_document_describes_every_endpoint_with_bearer_auth(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert set(schema["paths"]) >= {
        "/api/v1/contacts",
        "/api/v1/contacts/{contact_id}",
        "/api/v1/settings/secure-messaging",
        "/api/v1/messages",
        "/api/v1/messages/{message_id}",
        "/api/v1/conversations/{contact_id}",
        "/api/v1/events",
    }
    assert schema["components"]["securitySchemes"] == {
        "ApiKeyAuth": {"type": "http", "scheme": "bearer"}
    }
    not_found = schema["paths"]["/api/v1/contacts/{contact_id}"]["get"]["responses"]["404"]
    assert list(not_found["content"]) == ["application/problem+json"]


def test_the_docs_page_loads_only_our_own_files_under_the_csp(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    # Every executable script is a file from our static files; the only inline
    # script is a JSON data block, which the browser never runs.
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all(
        'src="/static/' in attrs or 'type="application/json"' in attrs for attrs in scripts
    )
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        assert client.get(path).status_code == 200, path


@pytest.mark.browser
def test_swagger_ui_renders_the_operations_in_chromium(page, live_server):
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.goto("/api/v1/docs")
    page.get_by_text("/api/v1/contacts/{contact_id}").first.wait_for()
    assert page.get_by_text("Hushpost API").first.is_visible()
    assert violations == []


def test_every_event_kind_is_a_documented_webhook(client):
    """The OpenAPI 3.1 `webhooks` section and docs/API.md name each type with an example."""
    from pathlib import Path

    from hushpost.activity.models import EventKind

    schema = client.get("/api/v1/openapi.json").json()
    webhooks = schema["webhooks"]
    for kind in [*EventKind.values, "webhook_test"]:
        post = webhooks[kind]["post"]
        example = post["requestBody"]["content"]["application/json"]["example"]
        assert example["type"] == kind and "organization" in example["data"]
        assert {p["name"] for p in post["parameters"]} == {
            "webhook-id",
            "webhook-timestamp",
            "webhook-signature",
        }
    assert "WebhookPayload" in schema["components"]["schemas"]
    api_md = (Path(__file__).resolve().parents[2] / "docs" / "API.md").read_text()
    table = api_md.split("### Event types", 1)[1]
    missing = [kind for kind in EventKind.values if f"| `{kind}` |" not in table]
    assert not missing, (
        f"docs/API.md's webhook Event types table lacks {missing}: add a row each "
        "(hushpost.webhooks.examples.example_payload makes the example)"
    )
