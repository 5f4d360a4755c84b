"""The portal's inputs fuzzed with hypothesis: link tokens, PINs, replies and their files.

Whatever arrives — NUL, lone surrogates (sent as the bytes a careless client
would send), invalid UTF-8, huge values, any Unicode — the answer is never a
5xx, and state changes only as it should: a made-up token changes nothing,
a wrong PIN counts one try, a reply is stored whole or not at all.
"""

from __future__ import annotations

from urllib.parse import quote_from_bytes

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hushpost.activity.models import Event
from hushpost.messaging.models import Message, SecureLink
from tests.portal.conftest import make_link, signed_in

pytestmark = pytest.mark.django_db

FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
PIN = "1234"

# Text as a browser or a script might send it: any code point, surrogates included, sometimes huge.
any_text = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=80),
    st.text(
        alphabet=st.sampled_from(
            ["\x00", "\ud800", "\udfff", "é", "𝄞", "\u202e", " ", "1", "%", "/"]
        ),
        max_size=40,
    ),
    st.just("9" * 200_000),
)
any_bytes = st.binary(max_size=300)


def raw(text: str) -> bytes:
    # Lone surrogates go out as the (invalid) UTF-8 bytes a careless client sends.
    return text.encode("utf-8", "surrogatepass")


def form(**fields: str) -> bytes:
    return "&".join(
        f"{name}={quote_from_bytes(raw(value))}" for name, value in fields.items()
    ).encode()


BOUNDARY = "hushpostFuzzBoundary7MA4YWxk"


def multipart(body: str, name: str, data: bytes, content_type: str) -> bytes:
    """The form as the bytes on the wire, file name and type unfiltered (quotes
    escaped as browsers do)."""

    def part(headers: bytes, content: bytes) -> bytes:
        return b"--" + BOUNDARY.encode() + b"\r\n" + headers + b"\r\n\r\n" + content + b"\r\n"

    out = part(b'Content-Disposition: form-data; name="body"', raw(body))
    if name or data:
        filename = raw(name).replace(b'"', b"%22").replace(b"\r", b"%0D").replace(b"\n", b"%0A")
        out += part(
            b'Content-Disposition: form-data; name="attachment"; filename="' + filename + b'"\r\n'
            b"Content-Type: " + raw(content_type).replace(b"\r", b"").replace(b"\n", b""),
            data,
        )
    return out + b"--" + BOUNDARY.encode() + b"--\r\n"


@pytest.fixture
def no_throttles(settings):
    # The throttles have their own tests; here every input should reach the checks behind them.
    settings.HUSHPOST_PORTAL_PIN_IP_FAILURES = 10**9
    settings.HUSHPOST_PORTAL_PIN_CONTACT_FAILURES = 10**9


@FUZZ
@given(token=st.one_of(any_text, any_bytes))
def test_any_token_in_the_path_is_not_valid_and_changes_nothing(client, pin_link, token):
    events = Event.objects.count()
    segment = quote_from_bytes(token if isinstance(token, bytes) else raw(token), safe="")
    for response in (
        client.get(f"/s/{segment}"),
        client.post(f"/s/{segment}", {"pin": PIN}),
        client.post(f"/s/{segment}/new-link"),
    ):
        assert response.status_code < 500, (token, response.status_code)
        assert response.status_code in (404, 405, 429) or "conversation" in response.get(
            "Location", ""
        ), token
    # Made-up tokens (none can match a real one) leave no trace but the throttle's count.
    assert Event.objects.count() == events
    assert "hushpost_portal" not in client.cookies


@FUZZ
@given(pin=st.one_of(any_text, any_bytes.map(lambda b: b.decode("latin-1"))))
def test_any_pin_is_one_wrong_try_or_a_slip_never_an_error(jane, secret_message, no_throttles, pin):
    link, token = make_link(jane, secret_message, pin=PIN)
    response = Client().post(
        f"/s/{token}", form(pin=pin), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code < 500, (pin, response.status_code)
    link.refresh_from_db()
    sent = raw(pin).decode("utf-8", "replace")
    if sent.strip().lower() == PIN:
        assert response.status_code == 302
    elif not sent.strip():
        assert response.status_code == 400 and link.failed_pin_attempts == 0
    else:
        assert response.status_code == 400 and link.failed_pin_attempts == 1, (
            pin,
            response.status_code,
        )
        assert "hushpost_portal" not in response.cookies


@FUZZ
@given(
    body=any_text,
    name=st.one_of(any_text, st.just("")),
    data=any_bytes,
    content_type=st.sampled_from(
        ["text/plain", "application/pdf", "image/png", "", "\x00/\x00", "text/html; charset=\ud800"]
    ),
)
def test_any_reply_is_stored_whole_or_refused(jane, secret_message, body, name, data, content_type):
    client = signed_in(Client(), make_link(jane, secret_message)[1])
    before = Message.objects.count()
    sent_body = raw(body).decode("utf-8", "replace")
    response = client.generic(
        "POST",
        "/s/conversation/reply",
        multipart(body, name, data, content_type),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code < 500, (body[:50], name[:50], response.status_code)
    if response.status_code == 302:
        assert Message.objects.count() == before + 1
        reply = Message.objects.latest("created_at")
        assert reply.body in (sent_body, sent_body.strip())
    else:
        assert response.status_code in (400, 413) and Message.objects.count() == before


@FUZZ
@given(
    payload=any_bytes,
    content_type=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data",
            "multipart/form-data; boundary=x",
            "multipart/form-data; boundary=\x00",
            "text/plain",
            "application/json",
        ]
    ),
)
def test_a_raw_reply_body_of_any_shape_is_refused_cleanly(
    jane, secret_message, payload, content_type
):
    client = signed_in(Client(), make_link(jane, secret_message)[1])
    before = Message.objects.count()
    response = client.generic("POST", "/s/conversation/reply", payload, content_type=content_type)
    assert response.status_code < 500, (payload[:50], content_type, response.status_code)
    if response.status_code != 302:
        assert Message.objects.count() == before
    assert SecureLink.objects.filter(contact=jane).count() >= 1
