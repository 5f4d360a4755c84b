"""What the API tests share: a JSON client with a key, a contact maker, problem checks."""

from __future__ import annotations

from django.test import Client

from hushpost.contacts.models import Contact


class ApiClient(Client):
    """A test client that speaks JSON to /api/v1 with one organization's key."""

    def __init__(self, raw_key: str | None = None):
        super().__init__(headers={"Authorization": f"Bearer {raw_key}"} if raw_key else {})
        self.raw_key = raw_key

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path, data=None, **extra):
        return super().get(self._url(path), data, **extra)

    def delete(self, path, data=None, **extra):
        return super().delete(self._url(path), data or "", content_type="application/json", **extra)

    def post(self, path, data=None, **extra):
        return super().post(self._url(path), data, content_type="application/json", **extra)

    def upload(self, path, data, **extra):
        """A multipart form (a file upload), as `POST /imports` takes it."""
        return Client.post(self, self._url(path), data, **extra)

    def put(self, path, data=None, **extra):
        return super().put(self._url(path), data, content_type="application/json", **extra)

    def patch(self, path, data=None, **extra):
        return super().patch(self._url(path), data, content_type="application/json", **extra)


def make_contact(
    org, name="Dana Reyes", *, phone="+14155550123", email="dana@example.com", pin="", **fields
):
    contact = Contact(organization=org, name=name, phone=phone, email=email, **fields)
    contact.secure_pin = pin
    contact.save()
    return contact


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"] and body["title"] and body["detail"]
    return body


def field_errors(response) -> dict[str, str]:
    body = assert_problem(response, 422)
    return {error["field"]: error["message"] for error in body["errors"]}
