"""The contact form: standard fields, the secure PIN, and the organization's custom fields."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.time_zones import time_zone_choices
from hushpost.contacts.models import Contact, CustomField, FieldType
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.contacts.values import clean_custom_value, clean_email, is_pin
from hushpost.languages import LANGUAGES, language_name

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

CUSTOM_PREFIX = "custom__"
CLEAR_SUFFIX = "__clear"
KEEP_HIDDEN_HELP = _("Set, and hidden here. Type a new value to change it; leave empty to keep it.")


class ContactForm(forms.ModelForm):
    secure_pin = forms.CharField(
        label=_("Secure PIN"),
        required=False,
        max_length=100,
        help_text=_(
            "Asked for before this contact can read a secure message. "
            "Leave empty to use the default PIN."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    time_zone = forms.ChoiceField(label=_("Time zone"), required=False)

    class Meta:
        model = Contact
        fields = [
            "name",
            "phone",
            "email",
            "time_zone",
            "language",
            "external_id",
            "sms_opt_out",
            "email_opt_out",
        ]
        labels = {
            "name": _("Name"),
            "email": _("Email"),
            "time_zone": _("Time zone"),
            "language": _("Language"),
            "phone": _("Mobile phone"),
            "external_id": _("External id"),
            "sms_opt_out": _("Opted out of text messages"),
            "email_opt_out": _("Opted out of email"),
        }
        help_texts = {
            "phone": _("With country code, or in the organization's country format."),
            "external_id": _(
                "Your other system's id for this contact (the API's external_id). "
                "Leave empty if you don't use one."
            ),
        }

    def __init__(self, *args, organization, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)
        self.instance.organization = organization
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = time_zone_choices(
            country=organization.country,
            current=self.instance.time_zone,
            blank=_("The organization's: %(zone)s") % {"zone": organization.time_zone},
        )
        # The contact's language, named in the staff member's.
        cast(forms.ChoiceField, self.fields["language"]).choices = [
            (code, language_name(code)) for code, _name in LANGUAGES
        ]
        self.fields["phone"].widget = forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "off"}
        )
        # A stored PIN or sensitive value is never put back into the page: it would sit
        # unmasked in the HTML and the browser's form history. Empty keeps it; a tick clears it.
        self.hidden_values: set[str] = set()
        if self.instance.pk and self.instance.secure_pin:
            self._hide_stored_value("secure_pin", _("Remove this contact's own PIN"))
            self.fields["secure_pin"].help_text = _(
                "This contact has their own PIN, hidden here. Type a new one to change it; "
                "leave empty to keep it."
            )
        self.custom_fields = list(CustomField.objects.for_org(organization))
        for field in self.custom_fields:
            widget = {
                FieldType.DATE: forms.DateInput(attrs={"type": "date"}),
                FieldType.NUMBER: forms.TextInput(attrs={"inputmode": "decimal"}),
            }.get(field.field_type, forms.TextInput())
            if field.sensitive:
                # Kept encrypted on our side; the browser shouldn't keep a copy to suggest later.
                widget.attrs["autocomplete"] = "off"
            stored = self.instance.custom.get(field.key, "")
            name = CUSTOM_PREFIX + field.key
            self.fields[name] = forms.CharField(
                label=field.label,
                required=False,
                widget=widget,
                initial="" if field.sensitive else stored,
                help_text=f"{{{{ custom.{field.key} }}}}",
            )
            if field.sensitive and stored:
                self._hide_stored_value(name, _("Clear %(label)s") % {"label": field.label})
                self.fields[name].help_text = f"{KEEP_HIDDEN_HELP} {{{{ custom.{field.key} }}}}"

    def _hide_stored_value(self, name: str, clear_label: StrOrPromise) -> None:
        self.hidden_values.add(name)
        self.fields[name].initial = ""
        self.fields[name + CLEAR_SUFFIX] = forms.BooleanField(label=clear_label, required=False)

    def _kept_or_new(self, name: str, stored: str) -> str:
        """The value to save for a field whose stored value the page didn't show."""
        if self.cleaned_data.get(name + CLEAR_SUFFIX):
            return ""
        return self.cleaned_data.get(name, "") or stored

    def custom_bound_fields(self):
        bound = []
        for field in self.custom_fields:
            name = CUSTOM_PREFIX + field.key
            bound.append(self[name])
            if name in self.hidden_values:
                bound.append(self[name + CLEAR_SUFFIX])
        return bound

    def standard_bound_fields(self):
        return [self[name] for name in self.fields if not name.startswith(CUSTOM_PREFIX)]

    def clean_external_id(self):
        external_id = self.cleaned_data.get("external_id", "").strip()
        taken = (
            external_id
            and Contact.objects.for_org(self.organization)
            .filter(external_id=external_id)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if taken:
            raise forms.ValidationError(
                _(
                    "Another contact already has this external id. "
                    "Each contact's id must be its own."
                )
            )
        return external_id

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
                _("A PIN is letters and digits only, with no spaces or symbols.")
            )
        return pin

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if not cleaned.get("phone") and not cleaned.get("email") and not self.errors:
            raise forms.ValidationError(
                _("Give at least a mobile phone or an email, so messages can reach this contact.")
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
            name = name.removesuffix(CLEAR_SUFFIX)
            if name.startswith(CUSTOM_PREFIX):
                name = name.replace(CUSTOM_PREFIX, "custom.")
            if name not in names:
                names.append(name)
        return names

    def save(self, commit=True):
        contact = super().save(commit=False)
        if "secure_pin" in self.hidden_values:
            contact.secure_pin = self._kept_or_new("secure_pin", contact.secure_pin)
        else:
            contact.secure_pin = self.cleaned_data.get("secure_pin", "")
        custom = dict(contact.custom)
        for field in self.custom_fields:
            name = CUSTOM_PREFIX + field.key
            if name in self.hidden_values:
                value = self._kept_or_new(name, custom.get(field.key, ""))
            else:
                value = self.cleaned_data.get(name, "")
            if value:
                custom[field.key] = value
            else:
                custom.pop(field.key, None)
        contact.custom = custom
        if commit:
            contact.save()
        return contact
