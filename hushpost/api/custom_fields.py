"""/settings/fields: the organization's custom fields, and whether each one's
values are kept encrypted."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema

from hushpost.api.auth import actor_label
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import Problem, ValidationProblem
from hushpost.contacts.models import CustomField
from hushpost.messaging.field_settings import FieldRefused, update_field

router = Router(tags=["settings"])

FieldTypeName = Literal["text", "number", "date"]


class CustomFieldOut(Schema):
    key: str = Field(description="Templates use it as {{ custom.key }}; it never changes.")
    label: str
    type: FieldTypeName
    sensitive: bool = Field(description="Values are stored encrypted, like message bodies.")


class CustomFieldChange(Schema):
    # pydantic publishes this docstring verbatim as the schema's OpenAPI description: one line.
    """Only what is sent changes. Making a field sensitive (or not) moves every contact's value at once."""  # noqa: E501

    label: str | None = Field(None, min_length=1, max_length=100)
    type: FieldTypeName | None = None
    sensitive: bool | None = None


def _out(field: CustomField) -> dict:
    return {
        "key": field.key,
        "label": field.label,
        "type": field.field_type,
        "sensitive": field.sensitive,
    }


@router.get(
    "/settings/fields",
    response={200: list[CustomFieldOut], 401: Problem},
    summary="List the custom fields",
)
def list_fields(request):
    return [_out(field) for field in CustomField.objects.for_org(request.org).order_by("key")]


@router.patch(
    "/settings/fields/{field_key}",
    response={200: CustomFieldOut, 401: Problem, 404: Problem, 422: ValidationProblem},
    summary="Change a custom field's label, type or sensitivity",
)
def change_field(request, field_key: str, payload: CustomFieldChange):
    field = CustomField.objects.for_org(request.org).filter(key=field_key).first()
    if field is None:
        raise NotFound("No custom field with this key.")
    label = payload.label.strip() if payload.label is not None else field.label
    if not label:
        raise Invalid([("label", "Give the label staff see on the contact form.")])
    try:
        update_field(
            field,
            actor=None,
            actor_label=actor_label(request),
            label=label,
            field_type=payload.type or field.field_type,
            sensitive=payload.sensitive,
        )
    except FieldRefused as error:
        raise Invalid(
            [("type" if error.field in (None, "field_type") else error.field, error.message)]
        ) from None
    field.refresh_from_db()
    return _out(field)
