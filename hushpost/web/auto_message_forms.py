"""The form of one auto message. It only collects and displays; every rule is in
appointments.auto_messages."""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hushpost.appointments.auto_messages import (
    MAX_OFFSET_DAYS,
    AutoMessageValues,
    check,
    split_offset,
    to_minutes,
)
from hushpost.appointments.models import Timing
from hushpost.delivery.models import Channel
from hushpost.web.template_forms import LanguageVariants, TemplateSettingsForm

UNIT_CHOICES = [("minutes", _("minutes")), ("hours", _("hours")), ("days", _("days"))]


# Which form field shows each rule's problem.
class AutoMessageForm(LanguageVariants, TemplateSettingsForm):
    name = forms.CharField(
        label=_("Name"),
        required=False,
        max_length=100,
        help_text=_("For staff only, such as “Reminder the day before”."),
    )
    channel = forms.ChoiceField(
        label=_("Send by"), choices=Channel.choices, initial=Channel.SMS, widget=forms.RadioSelect
    )
    timing = forms.ChoiceField(label=_("When"), choices=Timing.choices, initial=Timing.BEFORE_START)
    amount = forms.IntegerField(
        label=_("How long"),
        required=False,
        min_value=0,
        initial=1,
        help_text=format_lazy(
            _(
                "Before the start or after the end; at most {days} days. "
                "Not used for “When booked”."
            ),
            days=MAX_OFFSET_DAYS,
        ),
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=UNIT_CHOICES, initial="days")
    subject = forms.CharField(
        label=_("Email subject"),
        required=False,
        help_text=_(
            "Email only. A secure email uses the notification subject of Messaging settings "
            "when this is empty."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Message"),
        help_text=_(
            "A template: {{ appointment.start_time }}, {{ contact.first_name }} … "
            "A voice call reads it aloud."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    secure = forms.BooleanField(
        label=_("Send securely"),
        required=False,
        help_text=_(
            "The contact gets a link to a PIN-protected page instead of the text. "
            "Text and email only."
        ),
    )
    only_unconfirmed = forms.BooleanField(
        label=_("Only if the contact hasn't confirmed"),
        required=False,
        help_text=_(
            "Checked when it is due: skipped for appointments the contact confirmed "
            "or said they can't come to by then."
        ),
    )
    ask_to_confirm = forms.BooleanField(
        label=_("Ask to press 1 to confirm"),
        required=False,
        help_text=_(
            "Voice calls only: the call ends with “press 1 to confirm, 2 if you can't come”."
        ),
    )
    enabled = forms.BooleanField(
        label=_("On"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
        help_text=_("While off, nothing is scheduled from it."),
    )

    checker = check
    field_for = {"offset_minutes": "amount"}

    def __init__(
        self,
        *args,
        organization,
        saved: AutoMessageValues | None = None,
        editable: bool = True,
        **kwargs,
    ):
        initial = kwargs.pop("initial", None) or {}
        if saved is not None:
            amount, unit = split_offset(saved.offset_minutes)
            initial = {
                **vars(saved),
                "amount": amount if saved.timing != Timing.BOOKED else 1,
                "unit": unit if saved.offset_minutes else "days",
            }
        super().__init__(
            *args, initial=initial, organization=organization, editable=editable, **kwargs
        )
        self.add_variant_fields(saved.translations if saved else {}, editable=editable)

    def typed_values(self) -> AutoMessageValues:
        """What is in the form now, valid or not (for the preview)."""
        value = {name: self[name].value() for name in self.fields}
        timing = value["timing"] or ""
        try:
            amount = int(value["amount"] or 0)
        except (TypeError, ValueError):
            amount = 0
        unit = value["unit"] if value["unit"] in dict(UNIT_CHOICES) else "minutes"
        offset = 0 if timing == Timing.BOOKED else to_minutes(amount, unit)
        return AutoMessageValues(
            channel=value["channel"] or "",
            timing=timing,
            offset_minutes=offset,
            body=value["body"] or "",
            subject=value["subject"] or "",
            enabled=bool(value["enabled"]),
            secure=bool(value["secure"]),
            only_unconfirmed=bool(value["only_unconfirmed"]),
            ask_to_confirm=bool(value["ask_to_confirm"]),
            name=value["name"] or "",
            translations=self.typed_translations(),
        )
