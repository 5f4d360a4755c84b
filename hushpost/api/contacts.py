"""/contacts: list and look up, create, get, replace (PUT), change (PATCH), delete,
and upsert by the integrator's own id (PUT /contacts/by-external-id/{id}).

Values are checked with the same cleaners as the staff form and the CSV
import, so a contact is refused for the same reasons with the same words.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
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
    ContactUpsert,
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
    "external_id",
)
PIN_RULE = "A PIN is letters and digits only, with no spaces or symbols."
NO_ADDRESS = "Give at least a mobile phone or an email, so messages can reach this contact."
MAX_EXTERNAL_ID = Contact._meta.get_field("external_id").max_length


def find_contact(organization: Organization, contact_id: UUID) -> Contact:
    contact = Contact.objects.for_org(organization).filter(pk=contact_id).first()
    if contact is None:
        raise NotFound("No contact with this id.")
    return contact


EXTERNAL_ID_TAKEN = "Another contact of this organization already has this external id."


def _external_id_taken(contact: Contact, external_id: str) -> bool:
    return (
        Contact.objects.for_org(contact.organization)
        .filter(external_id=external_id)
        .exclude(pk=contact.pk)
        .exists()
    )


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
            elif name == "external_id":
                clean[name] = value.strip()
                if clean[name] and _external_id_taken(contact, clean[name]):
                    errors.append(("external_id", EXTERNAL_ID_TAKEN))
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
    phone: str = Query(
        "",
        max_length=40,
        description="Exactly this number, in any common format (compared as E.164).",
    ),
    email: str = Query("", max_length=254, description="Exactly this email, in any case."),
    external_id: str = Query("", max_length=MAX_EXTERNAL_ID, description="Your system's id."),
    limit: int = Limit(),
    offset: int = Offset(),
):
    """The organization's contacts by name; `phone`, `email` and `external_id` look one up."""
    contacts = Contact.objects.for_org(request.org).search(search)
    if phone.strip():
        try:
            contacts = contacts.filter(phone=normalize_phone(phone, request.org.country))
        except InvalidPhone as error:
            raise Invalid([("phone", str(error))]) from None
    if email.strip():
        contacts = contacts.filter(email__iexact=email.strip())
    if external_id.strip():
        contacts = contacts.filter(external_id=external_id.strip())
    contacts, count = page(contacts, limit, offset)
    fields = custom_fields(request.org)
    return {"items": [contact_out(contact, fields) for contact in contacts], "count": count}


@router.post("/contacts", response={201: ContactOut, **LIST_ERRORS}, summary="Create a contact")
def create_contact(request, payload: ContactCreate):
    fields = custom_fields(request.org)
    contact = Contact(organization=request.org)
    apply_changes(contact, payload.model_dump(), fields, merge_custom=False)
    _save(request, contact, changed=[], created=True)
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
    data = payload.model_dump()
    if data["external_id"] is None:
        del data["external_id"]
    return _update(request, contact_id, data, merge_custom=False)


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
        _save(request, contact, changed=changed, created=False)
    return contact_out(contact, fields)


def _save(request, contact: Contact, *, changed: list[str], created: bool) -> None:
    try:
        with transaction.atomic():
            save_contact(
                contact,
                actor=None,
                actor_label=actor_label(request),
                changed=changed,
                created=created,
            )
    except IntegrityError:
        # Another request took the external id between the check and the save.
        raise Invalid([("external_id", EXTERNAL_ID_TAKEN)]) from None


@router.put(
    "/contacts/by-external-id/{external_id}",
    response={200: ContactOut, 201: ContactOut, **CHANGE_ERRORS},
    summary="Create or update a contact by your system's id",
    description=(
        "201 when no contact had this external id (`name` and a phone or an email needed), "
        "200 when it was updated. On an existing contact only the fields sent change: an "
        "opt-out or a PIN is never cleared by leaving it out. Sending it twice changes "
        "nothing more."
    ),
)
def upsert_contact(request, external_id: str, payload: ContactUpsert):
    external_id = external_id.strip()
    if not external_id or len(external_id) > MAX_EXTERNAL_ID:
        raise Invalid(
            [("external_id", f"Give the external id in the path (1-{MAX_EXTERNAL_ID} characters).")]
        )
    fields = custom_fields(request.org)
    data = payload.model_dump(exclude_unset=True)
    for attempt in range(2):
        try:
            with transaction.atomic():
                contact = (
                    Contact.objects.for_org(request.org).filter(external_id=external_id).first()
                )
                created = contact is None
                if created:
                    if not (data.get("name") or "").strip():
                        raise Invalid([("name", "Give the contact's name.")])
                    contact = Contact(organization=request.org, external_id=external_id)
                changed = apply_changes(contact, data, fields, merge_custom=True)
                if created or changed:
                    save_contact(
                        contact,
                        actor=None,
                        actor_label=actor_label(request),
                        changed=changed,
                        created=created,
                    )
        except IntegrityError:
            if attempt:  # two requests created it at once: the second one updates
                raise
            continue
        return Status(201 if created else 200, contact_out(contact, fields))


@router.delete(
    "/contacts/{contact_id}", response={204: None, **ITEM_ERRORS}, summary="Delete a contact"
)
def remove_contact(request, contact_id: UUID):
    """The activity log keeps a record that the contact was deleted, without their details."""
    delete_contact(
        find_contact(request.org, contact_id), actor=None, actor_label=actor_label(request)
    )
    return Status(204, None)
