"""The Audit page's filters: person, kind and a date range in the organization's time zone."""

from __future__ import annotations

from django import forms

from hushpost.accounts.models import User
from hushpost.activity.audit import AUDIT_KINDS, LABEL_PREFIX, USER_PREFIX, unattached_actor_labels
from hushpost.web.activity_forms import ActivityFilterForm


class AuditFilterForm(forms.Form):
    person = forms.ChoiceField(label="Person", required=False)
    kind = forms.ChoiceField(
        label="Event", choices=[("", "All audit events"), *((k.value, k.label) for k in AUDIT_KINDS)], required=False
    )
    # The same day fields, rules and messages as the Activity log.
    date_from = ActivityFilterForm.base_fields["date_from"]
    date_to = ActivityFilterForm.base_fields["date_to"]

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Every staff user of the organization (deactivated ones too: their past
        # actions stay in the trail), then API keys and commands by their label.
        users = [(f"{USER_PREFIX}{user.pk}", user.email) for user in User.objects.for_org(organization).order_by("email")]
        labels = [(f"{LABEL_PREFIX}{label}", label) for label in unattached_actor_labels(organization)]
        self.fields["person"].choices = [("", "Everyone"), *users, *labels]
        self.fields["person"].error_messages["invalid_choice"] = "There is no such person in this organization."

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
