"""The Inbox's small forms: who answers a conversation."""

from __future__ import annotations

from typing import cast

from django import forms

from hushpost.accounts.models import User


class AssignForm(forms.Form):
    """Assign to a colleague, to nobody (empty), or to me (a button posting my own id)."""

    assignee = forms.ModelChoiceField(
        label="Assigned to",
        queryset=User.objects.none(),
        required=False,
        empty_label="Nobody",
        error_messages={"invalid_choice": "Choose an active staff member of your organization."},
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = User.objects.for_org(
            organization
        ).filter(is_active=True)
