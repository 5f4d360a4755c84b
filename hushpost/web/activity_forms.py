"""The activity log's filters: contact, kind and a date range in the organization's time zone."""

from __future__ import annotations

from django import forms

from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact

# Above this many contacts a select gets too long to use or to send; the
# filter then takes a contact id, which links to the log carry.
CONTACT_SELECT_LIMIT = 500

NO_SUCH_CONTACT = "There is no such contact in this organization."


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contact: Contact) -> str:
        # Names repeat; the email or phone tells two Jane Roes apart.
        extra = contact.email or contact.phone
        return f"{contact.name} · {extra}" if extra else contact.name


class ActivityFilterForm(forms.Form):
    contact = ContactChoiceField(
        queryset=Contact.objects.none(),
        required=False,
        empty_label="All contacts",
        error_messages={"invalid_choice": NO_SUCH_CONTACT},
    )
    kind = forms.ChoiceField(label="Event", choices=[("", "All events"), *EventKind.choices], required=False)
    date_from = forms.DateField(
        label="From",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, such as 2026-03-31."},
    )
    date_to = forms.DateField(
        label="To",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as YYYY-MM-DD, such as 2026-03-31."},
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        contacts = Contact.objects.for_org(organization)
        field = self.fields["contact"]
        # A lookup from another organization finds nothing, so its ids get the
        # same answer as ids that don't exist.
        field.queryset = contacts.only("id", "name", "email", "phone")
        if contacts.count() > CONTACT_SELECT_LIMIT:
            field.widget = forms.TextInput(attrs={"placeholder": "Contact id", "autocomplete": "off"})
            field.help_text = "The id at the end of the contact's page address."

    def clean(self):
        cleaned = super().clean()
        date_from, date_to = cleaned.get("date_from"), cleaned.get("date_to")
        if date_from and date_to and date_from > date_to:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    @property
    def is_filtered(self) -> bool:
        return self.is_bound and any(self.data.get(name) for name in self.fields)
