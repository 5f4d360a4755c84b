"""The development outbox page: only outside production, only what this user may see."""

import pytest

from hushpost.accounts import staff
from hushpost.delivery.models import OutboxChannel, OutboxEntry

pytestmark = pytest.mark.django_db


def entry(to, org=None, **fields):
    return OutboxEntry.objects.create(
        organization=org,
        channel=fields.pop("channel", OutboxChannel.EMAIL),
        to=to,
        body=fields.pop("body", "Hello"),
        **fields,
    )


def test_it_shows_the_organizations_messages_and_the_users_own_email(
    bob_client, org_a, org_b, alice, bob
):
    entry("+14155550100", org_a, channel=OutboxChannel.SMS, body="Riverside text")
    entry(bob.email, subject="Reset your Hushpost password", body="Bob's reset")
    entry(alice.email, body="Alice's reset")
    entry("+442071838750", org_b, channel=OutboxChannel.SMS, body="Harbor text")
    page = bob_client.get("/outbox/").content.decode()
    assert (
        "Riverside text" in page
        and "Bob&#x27;s reset" in page
        and "Reset your Hushpost password" in page
    )
    assert "Alice&#x27;s reset" not in page and "Harbor text" not in page


def test_newest_first_with_links_clickable_and_markup_escaped(alice_client, org_a):
    entry("a@example.com", org_a, body="older")
    entry(
        "b@example.com",
        org_a,
        body="<script>alert(1)</script> open http://127.0.0.1:8000/s/abc now",
    )
    page = alice_client.get("/outbox/").content.decode()
    assert page.index("open") < page.index("older")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert '<a href="http://127.0.0.1:8000/s/abc"' in page


def test_admins_see_invitations_of_users_who_have_not_chosen_a_password(
    alice_client, alice, settings
):
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    nia = staff.invite_user(alice, email="nia@riverside.example").user
    assert "choose your password" in alice_client.get("/outbox/").content.decode()
    nia.set_password("a fresh long secret")
    nia.save()
    assert "choose your password" not in alice_client.get("/outbox/").content.decode()


def test_members_do_not_see_invitations(bob_client, alice, settings):
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    staff.invite_user(alice, email="nia@riverside.example")
    assert "choose your password" not in bob_client.get("/outbox/").content.decode()


def test_it_is_404_in_production(alice_client, settings):
    settings.PRODUCTION = True
    assert alice_client.get("/outbox/").status_code == 404


def test_a_notification_shows_its_delivery_status_and_an_obvious_button_for_its_secure_link(
    alice_client, org_a, org_b
):
    from hushpost.contacts.models import Contact
    from hushpost.delivery.models import Delivery, DeliveryStatus

    jane = Contact.objects.create(organization=org_a, name="Jane Roe", phone="+14155550100")
    delivery = Delivery.objects.create(
        organization=org_a,
        contact=jane,
        channel=OutboxChannel.SMS,
        to=jane.phone,
        status=DeliveryStatus.SENT,
        idempotency_key="test:1",
    )
    token = "A" * 43
    entry(
        "+14155550100",
        org_a,
        channel=OutboxChannel.SMS,
        delivery=delivery,
        body=f"You've received a secure message from Riverside Clinic: http://127.0.0.1:8000/s/{token}",
    )
    entry("jane@example.com", org_a, subject="Your appointment", body="See you soon, no link here")
    page = alice_client.get("/outbox/").content.decode()
    assert "Text message" in page and "+1 415-555-0100" in page and "(Jane Roe)" in page
    assert "Sent</span>" in page and "Your appointment" in page
    assert page.count("Open the secure link") == 1
    assert f'<a role="button" href="http://127.0.0.1:8000/s/{token}"' in page
    assert (
        f'<a href="http://127.0.0.1:8000/s/{token}"' in page
    )  # the body's own link stays clickable
    assert page.index("See you soon") < page.index("received a secure message")  # newest first


def test_another_organizations_notifications_and_links_stay_hidden(alice_client, org_a, org_b):
    entry(
        "+442071838750",
        org_b,
        channel=OutboxChannel.SMS,
        body="Harbor: http://127.0.0.1:8000/s/" + "B" * 43,
    )
    page = alice_client.get("/outbox/").content.decode()
    assert "B" * 43 not in page and "Open the secure link" not in page
