"""The Inbox's small forms: who answers a conversation."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.models import User


class AssignForm(forms.Form):
    """Assign to a colleague, to nobody (empty), or to me (a button posting my own id)."""

    assignee = forms.ModelChoiceField(
        label=_("Assigned to"),
        queryset=User.objects.none(),
        required=False,
        empty_label=_("Nobody"),
        error_messages={"invalid_choice": _("Choose an active staff member of your organization.")},
    )

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["assignee"]).queryset = User.objects.for_org(
            organization
        ).filter(is_active=True)
