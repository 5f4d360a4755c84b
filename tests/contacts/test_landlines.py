"""A landline is kept but can't be texted; a number with an extension is refused, never cut."""

import pytest

from hushpost.contacts.models import Contact
from hushpost.contacts.phones import LANDLINE_REASON, PhoneHasExtension, normalize_phone
from hushpost.delivery.models import DeliveryStatus
from hushpost.messaging.compose import send_message

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "number, landline",
    [
        ("+442079460321", True),  # London fixed line
        ("+4930123456", True),  # Berlin fixed line
        ("+18005550199", True),  # US toll-free
        ("+447911123456", False),  # UK mobile
        ("+14155550100", False),  # North America: fixed line or mobile, can't tell
        ("", False),
    ],
)
def test_a_landline_is_known_by_its_number_type(org_a, number, landline):
    contact = Contact(organization=org_a, name="X", phone=number)
    assert contact.phone_is_landline is landline


def test_a_text_to_a_landline_is_held_with_the_reason(org_a, alice):
    landline = Contact.objects.create(organization=org_a, name="Home only", phone="+442079460321")
    mobile = Contact.objects.create(organization=org_a, name="Mobile", phone="+447911123456")
    result = send_message(
        org_a,
        contacts=[landline, mobile],
        channel="sms",
        secure=False,
        body="Your results are ready.",
        sender=alice,
    )
    outcomes = {o.contact.name: (o.delivery.status, o.delivery.reason) for o in result.outcomes}
    assert outcomes["Home only"] == (DeliveryStatus.HELD, LANDLINE_REASON)
    assert outcomes["Mobile"][0] == DeliveryStatus.QUEUED
    # A call can still reach a landline.
    voice = send_message(
        org_a, contacts=[landline], channel="voice", secure=False, body="Hi", sender=alice
    )
    assert voice.outcomes[0].delivery.status == DeliveryStatus.QUEUED


def test_an_extension_is_refused_with_the_reason_not_dropped():
    with pytest.raises(PhoneHasExtension, match=r"extension \(ext\. 23\)"):
        normalize_phone("+1 415 555 0100 ext. 23", "US")


def test_the_contact_form_and_the_api_refuse_an_extension(alice_client, api, org_a):
    form = alice_client.post(
        "/contacts/new/", {"name": "Ext", "phone": "+1 415 555 0100 x23", "language": "en"}
    )
    assert "extension" in form.content.decode() and not Contact.objects.exists()
    answer = api.post("contacts", {"name": "Ext", "phone": "+1 415 555 0100 ext. 23"})
    assert answer.status_code == 422
    assert "extension" in answer.json()["errors"][0]["message"]
    assert not Contact.objects.exists()
