"""The confirmation settings as a staff form: word lists one per line."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.appointments.answer_words import split_words
from hushpost.appointments.confirmation_settings import MAX_WINDOW_DAYS, ConfirmationValues


class ConfirmationSettingsForm(forms.Form):
    confirm_words = forms.CharField(
        label=_("Words that confirm"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One per line or comma. Case, spaces, punctuation and accents don't matter: "
            "“si” matches a text saying “Sí!”. Twilio's own keywords (STOP, CANCEL, HELP, "
            "START…) can't be used: they opt people out."
        ),
    )
    cancel_words = forms.CharField(
        label=_("Words that say “can't come”"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    window_days = forms.IntegerField(
        label=_("Days ahead"),
        min_value=1,
        max_value=MAX_WINDOW_DAYS,
        help_text=_(
            "A text answers the contact's next appointment starting within this many days."
        ),
    )
    reminded_only = forms.BooleanField(
        label=_("Only appointments a reminder went out for"), required=False
    )
    cancel_directly = forms.BooleanField(
        label=_("“Can't come” cancels the appointment at once"),
        required=False,
        help_text=_("Otherwise it waits for a person, on the appointment list and in the Inbox."),
    )
    confirmed_answer = forms.CharField(
        label=_("Answer to a confirmation"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Uses contact.* and appointment.* fields. Empty: no answer."),
    )
    cancel_answer = forms.CharField(
        label=_("Answer to “can't come”"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    late_answer = forms.CharField(
        label=_("Answer once the appointment has started"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    @classmethod
    def initial_from(cls, values: ConfirmationValues) -> dict:
        return {
            **values.__dict__,
            "confirm_words": "\n".join(values.confirm_words),
            "cancel_words": "\n".join(values.cancel_words),
        }

    def values(self) -> ConfirmationValues:
        data = self.cleaned_data
        return ConfirmationValues(
            confirm_words=split_words(data["confirm_words"]),
            cancel_words=split_words(data["cancel_words"]),
            window_days=data["window_days"],
            reminded_only=data["reminded_only"],
            cancel_directly=data["cancel_directly"],
            confirmed_answer=data["confirmed_answer"],
            cancel_answer=data["cancel_answer"],
            late_answer=data["late_answer"],
        )
