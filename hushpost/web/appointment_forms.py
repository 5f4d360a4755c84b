"""The appointment form and the list's filters. Times are typed and shown in
the zone of the signed-in staff member (their own, else the organization's)."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.models import User
from hushpost.appointments.agenda import NO_STAFF, confirmation_choices
from hushpost.appointments.models import Appointment
from hushpost.contacts.models import Contact
from hushpost.web import time_format

LOCAL_INPUT = "%Y-%m-%dT%H:%M"


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format=LOCAL_INPUT, **kwargs)


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user):
        return f"{user.full_name} ({user.email})" if user.full_name else user.email


class ContactChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, contact):
        return (
            f"{contact.name} ({contact.email or contact.phone})"
            if contact.email or contact.phone
            else contact.name
        )


class AppointmentForm(forms.ModelForm):
    contact = ContactChoiceField(
        queryset=Contact.objects.none(),
        label=_("Contact"),
        empty_label=_("Choose a contact"),
        error_messages={
            "invalid_choice": _("Unknown contact: choose one of your organization's contacts.")
        },
    )
    staff = StaffChoiceField(
        queryset=User.objects.none(),
        required=False,
        label=_("Staff member"),
        empty_label=_("Nobody in particular"),
    )

    class Meta:
        model = Appointment
        fields = ["contact", "start", "end", "title", "location", "staff", "status", "external_id"]
        widgets = {"start": LocalDateTimeInput(), "end": LocalDateTimeInput()}
        labels = {
            "start": _("Start"),
            "end": _("End"),
            "title": _("Title"),
            "location": _("Location"),
            "status": _("Status"),
            "external_id": _("External id"),
        }
        help_texts = {
            "external_id": _(
                "The id in the system that booked it, if any; unique in your organization."
            )
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.instance.organization = organization
        cast(forms.ModelChoiceField, self.fields["contact"]).queryset = Contact.objects.for_org(
            organization
        ).order_by("name", "id")
        cast(forms.ModelChoiceField, self.fields["staff"]).queryset = User.objects.filter(
            organization=organization, is_active=True
        ).order_by("first_name", "last_name", "email")
        for name in ("start", "end"):
            cast(forms.DateTimeField, self.fields[name]).input_formats = [
                LOCAL_INPUT,
                "%Y-%m-%d %H:%M",
                "%Y-%m-%dT%H:%M:%S",
            ]
            self.fields[name].help_text = _("In %(zone)s.") % {
                "zone": time_format.zone_description()
            }

    # save_appointment checks the external id and end-after-start in words staff
    # understand (the same for the API and imports); the view puts them at their fields.
    def validate_unique(self):
        pass

    def validate_constraints(self):
        pass

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for name, found in problems.items():
            for problem in found:
                self.add_error(name if name in self.fields else None, problem)


class ListFilters(forms.Form):
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    view = forms.ChoiceField(
        choices=[("day", _("Day")), ("agenda", _("Agenda")), ("week", _("Week"))], required=False
    )
    status = forms.ChoiceField(label=_("Confirmation"), required=False)
    staff = forms.ChoiceField(label=_("Staff member"), required=False)

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["status"]).choices = [
            ("", _("Any")),
            *confirmation_choices(),
        ]
        people = User.objects.filter(organization=organization).order_by("first_name", "email")
        cast(forms.ChoiceField, self.fields["staff"]).choices = [
            ("", _("Anyone")),
            (NO_STAFF, _("No staff member")),
            *((str(user.pk), user.display_name) for user in people),
        ]
