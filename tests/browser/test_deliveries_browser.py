"""Staff see what failed and why, and retry an ambiguous call or email only
after ticking the check; an ambiguous text message is Hushpost's to settle
with Twilio (real browser)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.retry_policy import AMBIGUOUS_CODE, AMBIGUOUS_REASON

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_the_deliveries_page_lists_failures_and_retries_after_confirmation(signed_in_page, org_a):
    jane = Contact.objects.create(
        organization=org_a, name="Jane Doe", phone="+14155550100", email="jane@example.com"
    )
    sam = Contact.objects.create(
        organization=org_a, name="Sam Poe", phone="+14155550111", email_opt_out=True
    )
    rows = [
        (jane, "voice", jane.phone, DeliveryStatus.FAILED, AMBIGUOUS_REASON, AMBIGUOUS_CODE),
        (
            jane,
            "email",
            jane.email,
            DeliveryStatus.FAILED,
            "the mail server refused the address (SMTP 550)",
            "550",
        ),
        (
            sam,
            "sms",
            sam.phone,
            DeliveryStatus.FAILED,
            "the phone number is not valid (Twilio 21211)",
            "21211",
        ),
        (sam, "email", "", DeliveryStatus.HELD, "opted out of email", ""),
        (sam, "sms", sam.phone, DeliveryStatus.FAILED, AMBIGUOUS_REASON, AMBIGUOUS_CODE),
    ]
    for n, (contact, channel, to, status, reason, code) in enumerate(rows):
        Delivery.objects.create(
            organization=org_a,
            contact=contact,
            channel=channel,
            to=to,
            status=status,
            reason=reason,
            error_code=code,
            attempts=1 if status == "failed" else 0,
            idempotency_key=f"shot:{n}",
        )
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Deliveries").click()
    page.get_by_role("heading", name="Deliveries").wait_for()
    expect(page.locator("tbody tr")).to_have_count(5)
    settling = page.locator("tr", has_text="Hushpost is checking with Twilio")
    expect(settling).to_have_count(1)
    expect(settling).to_contain_text("Sam Poe")
    expect(settling.get_by_role("button", name="Retry")).to_have_count(0)
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "deliveries.png"), full_page=True)

    ambiguous = page.locator("tr", has_text="may have accepted it")
    ambiguous.get_by_role(
        "button", name="Retry"
    ).click()  # the browser insists on the checkbox first
    assert Delivery.objects.get(idempotency_key="shot:0").status == DeliveryStatus.FAILED
    ambiguous.get_by_label("I checked the provider's log").check()
    ambiguous.get_by_role("button", name="Retry").click()
    expect(page.get_by_role("status")).to_contain_text("Jane Doe: queued again")
    # Queued again (the worker may already have taken it): no longer an ambiguous failure.
    assert Delivery.objects.get(idempotency_key="shot:0").error_code != AMBIGUOUS_CODE
    expect(page.locator("tbody tr")).to_have_count(4)
    page.screenshot(path=str(SHOTS / "deliveries-after-retry.png"), full_page=True)
