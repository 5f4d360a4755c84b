"""The API spells its statuses and kinds as Literal lists (so OpenAPI shows each
enum inline); each must be exactly the model's TextChoices, or a new status
would be refused by the API's own schema or documented wrongly."""

from __future__ import annotations

import typing

import pytest

from hushpost.api import appointments, auto_messages, custom_fields, schemas
from hushpost.appointments.models import AppointmentStatus, DueSendStatus, Timing
from hushpost.contacts.models import FieldType
from hushpost.delivery.models import Channel, DeliveryStatus
from hushpost.messaging.models import Direction, LinkLifetime


def literal_of(schema, name: str) -> tuple:
    return typing.get_args(schema.model_fields[name].annotation)


@pytest.mark.parametrize(
    ("spelled", "choices"),
    [
        (literal_of(schemas.DeliveryOut, "status"), DeliveryStatus),
        (literal_of(schemas.ConversationMessage, "direction"), Direction),
        (literal_of(schemas.SecureSettings, "link_lifetime"), LinkLifetime),
        (literal_of(schemas.MessageCreate, "channel"), Channel),
        (literal_of(appointments.SendOut, "status"), DueSendStatus),
        (typing.get_args(appointments.Status_), AppointmentStatus),
        (literal_of(auto_messages.TimingIn, "event"), Timing),
        (literal_of(auto_messages.AutoMessageIn, "channel"), Channel),
        (typing.get_args(custom_fields.FieldTypeName), FieldType),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_each_literal_is_its_models_choices(spelled, choices):
    assert set(spelled) == set(choices.values)
