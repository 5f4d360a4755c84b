"""The form of Settings → Webhooks: an endpoint's address, what it hears, a description.

The rules (the SSRF guard, known event kinds) are hushpost.webhooks.endpoints';
the form puts that module's refusals at its fields.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.activity.models import EventKind
from hushpost.webhooks.endpoints import MAX_DESCRIPTION
from hushpost.webhooks.models import ALL_EVENTS

EVERY_EVENT_LABEL = _("Every event, including kinds added later")


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=_("Address (URL)"),
        max_length=2000,
        help_text=_(
            "Where Hushpost POSTs signed events, such as https://ehr.example.com/hooks/hushpost. "
            "Addresses inside private networks are refused."
        ),
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=MAX_DESCRIPTION,
        help_text=_("What receives them, such as “EHR sync”."),
    )
    every_event = forms.BooleanField(label=EVERY_EVENT_LABEL, required=False, initial=True)
    events = forms.MultipleChoiceField(
        label=_("Or only these events"),
        required=False,
        choices=EventKind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    enabled = forms.BooleanField(
        label=_("On"),
        required=False,
        initial=True,
        help_text=_("Off: nothing is sent to it, and what waits is given up."),
    )

    def __init__(self, *args, endpoint=None, **kwargs):
        if endpoint is not None:
            kwargs.setdefault(
                "initial",
                {
                    "url": endpoint.url,
                    "description": endpoint.description,
                    "every_event": ALL_EVENTS in endpoint.events,
                    "events": [kind for kind in endpoint.events if kind != ALL_EVENTS],
                    "enabled": endpoint.enabled,
                },
            )
        super().__init__(*args, **kwargs)
        if endpoint is None:
            del self.fields["enabled"]  # a new endpoint is on

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("every_event") and not cleaned.get("events"):
            self.add_error("events", _("Tick the events to send, or “every event”."))
        return cleaned

    def chosen_events(self) -> list[str]:
        data = self.cleaned_data
        return [ALL_EVENTS] if data.get("every_event") else list(data.get("events") or [])

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for name, texts in problems.items():
            for text in texts:
                self.add_error(name if name in self.fields else None, text)
