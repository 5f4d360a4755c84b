"""Forms for Messaging settings and Field settings.

They only collect and display; every rule is in hushpost.messaging
(secure_settings, field_settings), shared with the API.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.contacts.models import CustomField
from hushpost.messaging.field_settings import KEY_MAX_LENGTH, key_problem, type_change_problem
from hushpost.messaging.models import LinkLifetime
from hushpost.messaging.secure_settings import FIELD_NAMES, SettingsValues, check
from hushpost.web.template_forms import LanguageVariants, TemplateSettingsForm


class SecureSettingsForm(LanguageVariants, TemplateSettingsForm):
    enabled = forms.BooleanField(
        label=_("Enable secure messaging"),
        required=False,
        help_text=_("While this is off, nothing can be sent securely, and trying says so."),
        widget=forms.CheckboxInput(attrs={"role": "switch"}),
    )
    subject = forms.CharField(
        label=_("Notification subject (email only)"),
        help_text=_("Text messages have no subject."),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Notification body"),
        help_text=_(
            "Sent by text message or email. "
            "Must contain {{ secure_link }}, the contact's personal link. "
            "Keep anything sensitive out of it."
        ),
        widget=forms.Textarea(attrs={"rows": 5, "spellcheck": "false"}),
    )
    link_lifetime = forms.ChoiceField(
        label=_("Link lifetime"),
        choices=LinkLifetime.choices,
        help_text=_("After this the link stops working; the contact can ask for a new one."),
    )
    default_pin = forms.CharField(
        label=_("Default contact PIN"),
        required=False,
        help_text=_(
            "Asked for when neither the message nor the contact has a PIN. "
            "Letters and digits, such as 2468, "
            "or a template over the contact's fields, such as {{ custom.my_secure_pin_field }}. "
            "Empty: no default PIN."
        ),
        widget=forms.TextInput(attrs={"spellcheck": "false", "autocomplete": "off"}),
    )

    checker = check

    def __init__(self, *args, organization, saved: SettingsValues, editable: bool = True, **kwargs):
        initial = {name: getattr(saved, name) for name in FIELD_NAMES if name != "translations"}
        super().__init__(
            *args, initial=initial, organization=organization, editable=editable, **kwargs
        )
        self.add_variant_fields(saved.translations, editable=editable)

    def typed_values(self) -> SettingsValues:
        """What is in the form now, valid or not, for the preview (saved values where disabled)."""
        value = {name: self[name].value() for name in self.fields}
        return SettingsValues(
            enabled=bool(value["enabled"]),
            subject=value["subject"] or "",
            body=value["body"] or "",
            link_lifetime=value["link_lifetime"] or "",
            default_pin=value["default_pin"] or "",
            translations=self.typed_translations(),
        )


class CustomFieldForm(forms.ModelForm):
    key = forms.CharField(
        label=_("Key"),
        max_length=KEY_MAX_LENGTH,
        help_text=_(
            "Templates use it as {{ custom.key }}: lowercase letters, digits and underscores, "
            "starting with a letter. It can't be changed later, because templates refer to it."
        ),
        widget=forms.TextInput(
            attrs={"spellcheck": "false", "autocomplete": "off", "autocapitalize": "none"}
        ),
    )

    class Meta:
        model = CustomField
        fields = ["label", "key", "field_type", "sensitive"]
        labels = {
            "label": _("Label"),
            "field_type": _("Type"),
            "sensitive": _("Sensitive: store values encrypted"),
        }
        help_texts = {
            "label": _("What staff see on the contact form, such as “Insurance number”."),
            "sensitive": _(
                "Values are stored encrypted, like message bodies "
                "(for identifiers such as an ID or policy number)."
            ),
        }

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        if self.instance.pk:
            self.fields["key"].disabled = True
            self.fields["key"].help_text = _(
                "Fixed: templates refer to this field as %(name)s, so changing the key "
                "would break them. To use another key, add a new field."
            ) % {"name": f"{{{{ custom.{self.instance.key} }}}}"}

    def clean_key(self):
        key = self.cleaned_data["key"].strip()
        if not self.instance.pk:
            problem = key_problem(self.organization, key)
            if problem:
                raise forms.ValidationError(problem)
        return key

    def clean_field_type(self):
        field_type = self.cleaned_data["field_type"]
        if self.instance.pk:
            problem = type_change_problem(self.instance, field_type)
            if problem:
                raise forms.ValidationError(problem)
        return field_type

    def validate_unique(self):
        # key_problem already says it kindly; the unique constraint has the organization
        # outside the form, which ModelForm can't check anyway.
        pass
