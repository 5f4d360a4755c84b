"""/contacts: list, create, get, replace (PUT), change (PATCH), delete.

Values are checked with the same cleaners as the staff form and the CSV
import, so a contact is refused for the same reasons with the same words.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from ninja import Query, Router, Status

from hushpost.accounts.models import Organization
from hushpost.api.auth import actor_label
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import (
    ContactCreate,
    ContactList,
    ContactOut,
    ContactPatch,
    ContactReplace,
    Problem,
    ValidationProblem,
)
from hushpost.contacts.models import Contact, CustomField
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.contacts.services import delete_contact, save_contact
from hushpost.contacts.values import (
    clean_custom_value,
    clean_email,
    clean_language,
    clean_time_zone,
    is_pin,
)

router = Router(tags=["contacts"])

LIST_ERRORS = {401: Problem, 422: ValidationProblem}
ITEM_ERRORS = {401: Problem, 404: Problem}
CHANGE_ERRORS = {**ITEM_ERRORS, 422: ValidationProblem}
PLAIN_FIELDS = (
    "name",
    "phone",
    "email",
    "time_zone",
    "language",
    "secure_pin",
    "sms_opt_out",
    "email_opt_out",
)
PIN_RULE = "A PIN is letters and digits only, with no spaces or symbols."
NO_ADDRESS = "Give at least a mobile phone or an email, so messages can reach this contact."


def find_contact(organization: Organization, contact_id: UUID) -> Contact:
    contact = Contact.objects.for_org(organization).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("No contact with this id.")
    return contact


def contact_out(contact: Contact, fields: dict[str, CustomField]) -> dict[str, Any]:
    return {
        "id": contact.id,
        **{name: getattr(contact, name) for name in PLAIN_FIELDS},
        # Only the organization's current fields: a deleted field's old values stay out.
        "custom": {
            key: str(value)
            for key, value in contact.custom.items()
            if key in fields and value not in ("", None)
        },
    }


def custom_fields(organization: Organization) -> dict[str, CustomField]:
    return {field.key: field for field in CustomField.objects.for_org(organization)}


def _clean_custom(
    raw: dict[str, Any], fields: dict[str, CustomField], errors: list
) -> dict[str, str]:
    cleaned = {}
    for key, value in raw.items():
        name = f"custom.{key}"
        if key not in fields:
            known = ", ".join(sorted(fields)) or "none yet"
            errors.append(
                (name, f"“{key}” is not a custom field of this organization (fields: {known}).")
            )
        elif isinstance(value, bool) or not isinstance(value, (str, int, float, type(None))):
            errors.append((name, "Give text or a number."))
        else:
            try:
                cleaned[key] = clean_custom_value(fields[key], "" if value is None else str(value))
            except ValueError as error:
                errors.append((name, str(error)))
    return cleaned


def apply_changes(
    contact: Contact, data: dict[str, Any], fields: dict[str, CustomField], *, merge_custom: bool
) -> list[str]:
    """Check `data` and set it on the contact; returns the names of the fields that changed."""
    errors: list[tuple[str, str]] = []
    organization = contact.organization
    clean: dict[str, Any] = {}
    cleaners = {
        "phone": lambda raw: normalize_phone(raw, organization.country),
        "email": clean_email,
        "time_zone": clean_time_zone,
        "language": clean_language,
    }
    for name, value in data.items():
        if name == "custom":
            continue
        try:
            if name in cleaners:
                clean[name] = cleaners[name](value)
            elif name == "name":
                clean[name] = value.strip()
                if not clean[name]:
                    errors.append(("name", "Give the contact's name."))
            elif name == "secure_pin":
                clean[name] = value.strip()
                if clean[name] and not is_pin(clean[name]):
                    errors.append(("secure_pin", PIN_RULE))
            else:
                clean[name] = value
        except (InvalidPhone, ValueError) as error:
            errors.append((name, str(error)))
    custom = _clean_custom(data.get("custom") or {}, fields, errors)
    if not errors:
        phone = clean.get("phone", contact.phone if "phone" not in data else "")
        email = clean.get("email", contact.email if "email" not in data else "")
        if not phone and not email:
            errors.append(("phone", NO_ADDRESS))
    if errors:
        raise Invalid(errors)

    changed = [name for name, value in clean.items() if getattr(contact, name) != value]
    for name in changed:
        setattr(contact, name, clean[name])
    if "custom" in data:
        before = dict(contact.custom)
        # Keys of deleted fields are left as they are, as the staff form does.
        after = (
            dict(before) if merge_custom else {k: v for k, v in before.items() if k not in fields}
        )
        for key, value in custom.items():
            if value:
                after[key] = value
            else:
                after.pop(key, None)
        changed += [
            f"custom.{key}"
            for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)
        ]
        contact.custom = after
    return changed


@router.get("/contacts", response={200: ContactList, **LIST_ERRORS}, summary="List contacts")
def list_contacts(
    request,
    search: str = Query("", description="Part of a name or email, or 3+ digits of a phone number."),
    limit: int = Limit(),
    offset: int = Offset(),
):
    """The organization's contacts by name."""
    contacts, count = page(Contact.objects.for_org(request.org).search(search), limit, offset)
    fields = custom_fields(request.org)
    return {"items": [contact_out(contact, fields) for contact in contacts], "count": count}


@router.post("/contacts", response={201: ContactOut, **LIST_ERRORS}, summary="Create a contact")
def create_contact(request, payload: ContactCreate):
    fields = custom_fields(request.org)
    contact = Contact(organization=request.org)
    apply_changes(contact, payload.model_dump(), fields, merge_custom=False)
    save_contact(contact, actor=None, actor_label=actor_label(request), changed=[], created=True)
    return Status(201, contact_out(contact, fields))


@router.get(
    "/contacts/{contact_id}", response={200: ContactOut, **ITEM_ERRORS}, summary="Get a contact"
)
def get_contact(request, contact_id: UUID):
    return contact_out(find_contact(request.org, contact_id), custom_fields(request.org))


@router.put(
    "/contacts/{contact_id}",
    response={200: ContactOut, **CHANGE_ERRORS},
    summary="Replace a contact",
)
def replace_contact(request, contact_id: UUID, payload: ContactReplace):
    """Every field is required; `custom` lists every custom value the contact keeps."""
    return _update(request, contact_id, payload.model_dump(), merge_custom=False)


@router.patch(
    "/contacts/{contact_id}",
    response={200: ContactOut, **CHANGE_ERRORS},
    summary="Change some fields",
    description=(
        "Only the fields sent change. "
        'In `custom`, keys sent change (null or "" clears one); others stay.'
    ),
)
def patch_contact(request, contact_id: UUID, payload: ContactPatch):
    return _update(request, contact_id, payload.model_dump(exclude_unset=True), merge_custom=True)


def _update(
    request, contact_id: UUID, data: dict[str, Any], *, merge_custom: bool
) -> dict[str, Any]:
    contact = find_contact(request.org, contact_id)
    fields = custom_fields(request.org)
    changed = apply_changes(contact, data, fields, merge_custom=merge_custom)
    if changed:
        save_contact(
            contact, actor=None, actor_label=actor_label(request), changed=changed, created=False
        )
    return contact_out(contact, fields)


@router.delete(
    "/contacts/{contact_id}", response={204: None, **ITEM_ERRORS}, summary="Delete a contact"
)
def remove_contact(request, contact_id: UUID):
    """The activity log keeps a record that the contact was deleted, without their details."""
    delete_contact(
        find_contact(request.org, contact_id), actor=None, actor_label=actor_label(request)
    )
    return Status(204, None)
