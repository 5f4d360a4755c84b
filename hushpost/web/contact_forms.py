"""The contact form: standard fields, the secure PIN, and the organization's custom fields."""

from __future__ import annotations

from typing import cast

from django import forms

from hushpost.accounts.time_zones import time_zone_choices
from hushpost.contacts.models import Contact, CustomField, FieldType
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.contacts.values import clean_custom_value, clean_email, is_pin

CUSTOM_PREFIX = "custom__"


class ContactForm(forms.ModelForm):
    secure_pin = forms.CharField(
        label="Secure PIN",
        required=False,
        max_length=100,
        help_text=(
            "Asked for before this contact can read a secure message. "
            "Leave empty to use the default PIN."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    time_zone = forms.ChoiceField(required=False)

    class Meta:
        model = Contact
        fields = ["name", "phone", "email", "time_zone", "language", "sms_opt_out", "email_opt_out"]
        labels = {
            "phone": "Mobile phone",
            "sms_opt_out": "Opted out of text messages",
            "email_opt_out": "Opted out of email",
        }
        help_texts = {"phone": "With country code, or in the organization's country format."}

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = time_zone_choices(
            country=organization.country,
            current=self.instance.time_zone,
            blank=f"The organization's: {organization.time_zone}",
        )
        self.fields["phone"].widget = forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off"}
        )
        if self.instance.pk and not self.is_bound:
            self.initial["secure_pin"] = self.instance.secure_pin
        self.custom_fields = list(CustomField.objects.for_org(organization))
        for field in self.custom_fields:
            widget = {
                FieldType.DATE: forms.DateInput(attrs={"type": "date"}),
                FieldType.NUMBER: forms.TextInput(attrs={"inputmode": "decimal"}),
            }.get(field.field_type, forms.TextInput())
            if field.sensitive:
                # Kept encrypted on our side; the browser shouldn't keep a copy to suggest later.
                widget.attrs["autocomplete"] = "off"
            self.fields[CUSTOM_PREFIX + field.key] = forms.CharField(
                label=field.label,
                required=False,
                widget=widget,
                initial=self.instance.custom.get(field.key, ""),
                help_text=f"{{{{ custom.{field.key} }}}}",
            )

    def custom_bound_fields(self):
        return [self[CUSTOM_PREFIX + field.key] for field in self.custom_fields]

    def standard_bound_fields(self):
        return [self[name] for name in self.fields if not name.startswith(CUSTOM_PREFIX)]

    def clean_phone(self):
        try:
            return normalize_phone(self.cleaned_data.get("phone", ""), self.organization.country)
        except InvalidPhone as error:
            raise forms.ValidationError(str(error)) from None

    def clean_email(self):
        try:
            return clean_email(self.cleaned_data.get("email", ""))
        except ValueError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_secure_pin(self):
        pin = self.cleaned_data.get("secure_pin", "").strip()
        if pin and not is_pin(pin):
            raise forms.ValidationError(
                "A PIN is letters and digits only, with no spaces or symbols."
            )
        return pin

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("phone") and not cleaned.get("email") and not self.errors:
            raise forms.ValidationError(
                "Give at least a mobile phone or an email, so messages can reach this contact."
            )
        for field in self.custom_fields:
            name = CUSTOM_PREFIX + field.key
            try:
                cleaned[name] = clean_custom_value(field, cleaned.get(name, ""))
            except ValueError as error:
                self.add_error(name, str(error))
        return cleaned

    def changed_field_names(self) -> list[str]:
        names = []
        for name in self.changed_data:
            names.append(
                name.replace(CUSTOM_PREFIX, "custom.") if name.startswith(CUSTOM_PREFIX) else name
            )
        return names

    def save(self, commit=True):
        contact = super().save(commit=False)
        contact.secure_pin = self.cleaned_data.get("secure_pin", "")
        custom = dict(contact.custom)
        for field in self.custom_fields:
            value = self.cleaned_data.get(CUSTOM_PREFIX + field.key, "")
            if value:
                custom[field.key] = value
            else:
                custom.pop(field.key, None)
        contact.custom = custom
        if commit:
            contact.save()
        return contact
