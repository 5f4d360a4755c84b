from datetime import datetime

from django.utils import timezone


def test_security_txt_names_the_contact_and_a_future_expiry(client, settings):
    settings.HUSHPOST_SECURITY_CONTACT = "psirt@clinic.example"
    response = client.get("/.well-known/security.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    fields = dict(line.split(": ", 1) for line in response.content.decode().splitlines())
    assert fields["Contact"] == "mailto:psirt@clinic.example"
    assert datetime.fromisoformat(fields["Expires"]) > timezone.now()
    assert fields["Canonical"].endswith("/.well-known/security.txt")


def test_security_txt_refuses_posts(client):
    assert client.post("/.well-known/security.txt").status_code == 405
