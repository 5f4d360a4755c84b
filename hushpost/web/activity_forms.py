"""The activity log's filters: contact, kind and a date range in the organization's time zone."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact
from hushpost.web.filter_forms import DateRangeFilter, date_field

# Above this many contacts a select gets too long to use or to send; the
# filter then takes a contact id, which links to the log carry.
CONTACT_SELECT_LIMIT = 500

NO_SUCH_CONTACT = _("There is no such contact in this organization.")


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contact: Contact) -> str:
        # Names repeat; the email or phone tells two Jane Roes apart.
        extra = contact.email or contact.phone
        return f"{contact.name} · {extra}" if extra else contact.name


class ActivityFilterForm(DateRangeFilter, forms.Form):
    contact = ContactChoiceField(
        queryset=Contact.objects.none(),
        label=_("Contact"),
        required=False,
        empty_label=_("All contacts"),
        error_messages={"invalid_choice": NO_SUCH_CONTACT},
    )
    kind = forms.ChoiceField(
        label=_("Event"), choices=[("", _("All events")), *EventKind.choices], required=False
    )
    date_from = date_field(_("From"))
    date_to = date_field(_("To"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        contacts = Contact.objects.for_org(organization)
        field = cast(forms.ModelChoiceField, self.fields["contact"])
        # A lookup from another organization finds nothing, so its ids get the
        # same answer as ids that don't exist.
        field.queryset = contacts.only("id", "name", "email", "phone")
        if contacts.count() > CONTACT_SELECT_LIMIT:
            field.widget = forms.TextInput(
                attrs={"placeholder": _("Contact id"), "autocomplete": "off"}
            )
            field.help_text = _("The id at the end of the contact's page address.")
