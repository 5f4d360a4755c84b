"""`Authorization: Bearer <key>`: the key names the organization every query is scoped to."""

from __future__ import annotations

from ninja.errors import AuthenticationError
from ninja.security import HttpBearer

from hushpost.accounts.api_keys import authenticate
from hushpost.accounts.models import ApiKey
from hushpost.api.problems import RateLimited
from hushpost.api.rate_limit import count_request

MISSING = "Send an API key as the header Authorization: Bearer <key>."
NOT_VALID = "The API key is not valid: it is unknown or has been revoked."


class ApiKeyAuth(HttpBearer):
    def __call__(self, request) -> ApiKey:
        # ninja's HttpBearer answers every failure with a bare "Unauthorized";
        # raising here gives the client a reason (the 401 handler makes it a problem).
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.strip().partition(" ")
        if not header.strip():
            raise AuthenticationError(401, MISSING)
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(401, MISSING)
        return self.authenticate(request, token.strip())

    def authenticate(self, request, token: str) -> ApiKey:
        key = authenticate(token)
        if key is None:
            raise AuthenticationError(401, NOT_VALID)
        request.org = key.organization
        request.api_key = key
        # Counted once the key is known, so a flood of bad keys can't spend a real one's quota.
        request.api_quota = count_request(key.pk)
        if request.api_quota is not None and request.api_quota.exceeded:
            raise RateLimited(request.api_quota)
        return key


def actor_label(request) -> str:
    """How the activity log names what an API key did."""
    return f"api: {request.api_key.name}"
