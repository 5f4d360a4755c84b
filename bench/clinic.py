"""The organization every bench builds: secure messaging on, `count` contacts with mobiles."""

from __future__ import annotations


def secure_clinic(count: int):
    """(organization, contacts); call after Django is set up."""
    from hushpost.accounts.models import Organization
    from hushpost.contacts.models import Contact
    from hushpost.messaging.models import SecureMessagingSettings

    org = Organization.objects.create(
        name="Bench Clinic", company_name="Bench Clinic", slug="bench", time_zone="UTC"
    )
    secure = SecureMessagingSettings.objects.for_org(org)
    secure.enabled = True
    secure.save()
    contacts = Contact.objects.bulk_create(
        (
            Contact(organization=org, name=f"Contact {i}", phone=f"+1415{i % 10_000_000:07d}")
            for i in range(count)
        ),
        batch_size=2000,
    )
    return org, contacts
