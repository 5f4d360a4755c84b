"""What the secure-settings and auto-message forms share: both edit message
templates that their app's `check(organization, values)` validates, and both
are shown read-only to staff who may not change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.languages import LANGUAGES, language_name
from hushpost.messaging.notification_texts import DEFAULT_LANGUAGE, PARTS


class TemplateSettingsForm(forms.Form):
    # The app's check: {value name: [problem, ...]}.
    checker: ClassVar[Callable[[Any, Any], dict[str, list[str]]]]
    # A value name the check reports -> the form field that shows it, where they differ
    # (a form may add its own: LanguageVariants does).
    field_for: dict[str, str] = {}

    def __init__(self, *args, organization, editable: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.editable = editable
        for field in self.fields.values():
            # Members see the settings; a disabled field also ignores whatever is posted for it.
            field.disabled = not editable

    def typed_values(self) -> Any:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        problems = type(self).checker(self.organization, self.typed_values())
        # A field that already failed its own validation keeps that one message.
        self.add_problems(
            {
                name: found
                for name, found in problems.items()
                if self.field_for.get(name, name) not in self.errors
            }
        )
        return cleaned

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        """Problems found later (at save) shown on their fields, or above the form."""
        for name, found in problems.items():
            target = self.field_for.get(name, name)
            for problem in found:
                self.add_error(target if target in self.fields else None, problem)


class LanguageVariants:
    """A subject and body per contact language beside a form's own, each optional: a
    language left empty gets the form's own text. Stored as {"es": {"subject", "body"}}."""

    # (code, name in English, subject field, body field) per language, for the template.
    variants: list[tuple[str, str, Any, Any]]

    def add_variant_fields(self, translations: dict[str, dict[str, str]], *, editable: bool):
        form = self  # a TemplateSettingsForm
        assert isinstance(form, TemplateSettingsForm)
        form.field_for = dict(type(form).field_for)
        form.variants = []
        for code, _name in LANGUAGES:
            if code == DEFAULT_LANGUAGE:
                continue
            saved = translations.get(code) or {}
            subject, body = variant_field("subject", code), variant_field("body", code)
            form.fields[subject] = forms.CharField(
                label=_("Subject (%(language)s)") % {"language": language_name(code)},
                required=False,
                disabled=not editable,
                initial=saved.get("subject", ""),
                widget=forms.TextInput(
                    attrs={"spellcheck": "false", "autocomplete": "off", "lang": code}
                ),
            )
            form.fields[body] = forms.CharField(
                label=f"{form.fields['body'].label} ({language_name(code)})",
                required=False,
                disabled=not editable,
                initial=saved.get("body", ""),
                widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false", "lang": code}),
            )
            form.field_for[f"translations.{code}.subject"] = subject
            form.field_for[f"translations.{code}.body"] = body
            form.variants.append((code, language_name(code), form[subject], form[body]))

    def typed_translations(self) -> dict[str, dict[str, str]]:
        form = self
        assert isinstance(form, TemplateSettingsForm)
        return {
            code: {part: form[variant_field(part, code)].value() or "" for part in PARTS}
            for code, _name in LANGUAGES
            if code != DEFAULT_LANGUAGE
        }


def variant_field(part: str, code: str) -> str:
    return f"{part}_{code.replace('-', '_')}"
