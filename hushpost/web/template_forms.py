"""What the secure-settings and auto-message forms share: both edit message
templates that their app's `check(organization, values)` validates, and both
are shown read-only to staff who may not change them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from django import forms


class TemplateSettingsForm(forms.Form):
    # The app's check: {value name: [problem, ...]}.
    checker: ClassVar[Callable[[Any, Any], dict[str, list[str]]]]
    # A value name the check reports -> the form field that shows it, where they differ.
    field_for: ClassVar[dict[str, str]] = {}

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
