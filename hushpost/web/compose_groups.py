"""Compose to a group instead of picked people: all contacts, contacts whose custom
field holds a value, or the appointments on a day — resolved by the same audiences
the API uses, so the count shown before sending is the count that goes out."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from hushpost.appointments.audience import appointments_on
from hushpost.contacts.models import CustomField
from hushpost.messaging import audience as audiences
from hushpost.messaging.audience import Audience, AudienceError

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Group(models.TextChoices):
    PICKED = "", _("People I choose")
    ALL = "all", _("All contacts")
    CUSTOM = "custom", _("Contacts whose field is a value")
    DAY = "day", _("Everyone with an appointment on a day")


# The form field each kind of group reports its problems on.
PROBLEM_FIELD = {Group.ALL: "group", Group.CUSTOM: "group_value", Group.DAY: "group_day"}


def add_group_fields(form: forms.Form, organization) -> None:
    form.fields["group"] = forms.ChoiceField(
        label=_("Send to"),
        choices=Group.choices,
        required=False,
        initial=Group.PICKED,
        widget=forms.RadioSelect,
    )
    plain = CustomField.objects.for_org(organization).filter(sensitive=False)
    form.fields["group_field"] = forms.ChoiceField(
        label=_("Field"),
        required=False,
        choices=[(field.key, field.label) for field in plain],
        help_text=_("Sensitive fields are stored encrypted and can't be matched."),
    )
    form.fields["group_value"] = forms.CharField(label=_("is"), required=False, max_length=200)
    form.fields["group_day"] = forms.DateField(
        label=_("Day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("In your organization's time zone; cancelled appointments are left out."),
    )


def chosen_group(data) -> str:
    value = (data.get("group") or "") if data else ""
    return value if value in Group.values else Group.PICKED


def group_audience(organization, data) -> tuple[Audience | None, str, StrOrPromise]:
    """The group the form names, as (audience, field, problem): no audience for picked
    people; a problem (and the field it belongs to) when it can't be resolved."""
    group = chosen_group(data)
    if group == Group.PICKED:
        return None, "", ""
    field = PROBLEM_FIELD[Group(group)]
    try:
        if group == Group.ALL:
            return audiences.all_contacts(organization), field, ""
        if group == Group.CUSTOM:
            key = (data.get("group_field") or "").strip()
            if not key:
                return None, "group_field", _("Choose a field.")
            value = (data.get("group_value") or "").strip()
            return audiences.contacts_where(organization, {key: value}), field, ""
        try:
            day = datetime.date.fromisoformat((data.get("group_day") or "").strip())
        except ValueError:
            return None, field, _("Choose a day.")
        return appointments_on(organization, day), field, ""
    except AudienceError as error:
        return None, field, str(error)
