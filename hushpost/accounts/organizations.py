"""Changing an organization's own details."""

from __future__ import annotations

from django.db import transaction

from hushpost.accounts.models import Organization
from hushpost.activity.log import record
from hushpost.activity.models import EventKind


@transaction.atomic
def update_organization(organization: Organization, *, actor, changed: list[str]) -> Organization:
    organization.save()
    if changed:
        record(
            organization,
            EventKind.SETTINGS_CHANGED,
            actor=actor,
            settings="organization",
            fields=", ".join(changed),
        )
    return organization
