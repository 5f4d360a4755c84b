from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE

from hushpost.accounts.models import Organization
from hushpost.accounts.time_zones import time_zone_choices
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.messaging.pin_hints import hint_problems

COUNTRIES = sorted(
    {
        region
        for regions in COUNTRY_CODE_TO_REGION_CODE.values()
        for region in regions
        if region != "001"
    }
)


class OrganizationForm(forms.ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=_(
            "Appointment times and every time on staff pages use it, "
            "unless a staff member chooses their own."
        ),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=[(code, code) for code in COUNTRIES],
        help_text=_("Phone numbers typed without a country code are read as this country's."),
    )

    class Meta:
        model = Organization
        fields = [
            "name",
            "company_name",
            "time_zone",
            "country",
            "sms_number",
            "sms_help_text",
            "help_phone",
            "help_hours",
            "pin_hint",
        ]
        labels = {
            "name": _("Name"),
            "company_name": _("Company name"),
            "sms_number": _("Text message number"),
            "sms_help_text": _("Text HELP answer"),
            "help_phone": _("Contact line phone"),
            "help_hours": _("Contact line hours"),
            "pin_hint": _("PIN hint"),
        }
        help_texts = {
            "company_name": _(
                "Notifications say “Ann Lee at <company name>” ({{ user.name_and_company }})."
            ),
            "sms_number": _(
                "Your own Twilio number, as +14155550123. Texts sent to it reach this organization."
            ),
            "sms_help_text": _(
                "What a contact who texts HELP gets back. Blank: “<company name>: reply STOP to "
                "stop texts, START to start again. Call us for help.”"
            ),
            "help_phone": _("The number contacts can call for help, shown on every secure page."),
            "help_hours": _("When someone answers it, as “Monday to Friday, 8 am to 6 pm”."),
            "pin_hint": _(
                "Shown above the PIN box, as “The last four digits of your phone number” or "
                "“Your date of birth as DDMMYYYY”. It may use the contact's fields, never the PIN "
                "or the field the PIN comes from."
            ),
        }
        widgets = {"sms_help_text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = time_zone_choices(
            country=self.instance.country, current=self.instance.time_zone
        )

    def clean_sms_number(self) -> str:
        country = self.data.get(self.add_prefix("country")) or self.instance.country or "US"
        try:
            return normalize_phone(self.cleaned_data.get("sms_number", ""), country)
        except InvalidPhone as error:
            raise forms.ValidationError(str(error)) from None

    def clean_pin_hint(self) -> str:
        hint = self.cleaned_data.get("pin_hint", "").strip()
        problems = hint_problems(hint, self.instance)
        if problems:
            raise forms.ValidationError(problems)
        return hint
