"""The Audit page's filters: person, kind and a date range in the organization's time zone."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.models import User
from hushpost.activity.audit import AUDIT_KINDS, LABEL_PREFIX, USER_PREFIX, unattached_actor_labels
from hushpost.web.filter_forms import DateRangeFilter, date_field


class AuditFilterForm(DateRangeFilter, forms.Form):
    person = forms.ChoiceField(label=_("Person"), required=False)
    kind = forms.ChoiceField(
        label=_("Event"),
        choices=[("", _("All audit events")), *((k.value, k.label) for k in AUDIT_KINDS)],
        required=False,
    )
    date_from = date_field(_("From"))
    date_to = date_field(_("To"))

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        # Every staff user of the organization (deactivated ones too: their past
        # actions stay in the trail), then API keys and commands by their label.
        users = [
            (
                f"{USER_PREFIX}{user.pk}",
                f"{user.full_name} ({user.email})" if user.full_name else user.email,
            )
            for user in User.objects.for_org(organization).order_by("email")
        ]
        labels = [
            (f"{LABEL_PREFIX}{label}", label) for label in unattached_actor_labels(organization)
        ]
        cast(forms.ChoiceField, self.fields["person"]).choices = [
            ("", _("Everyone")),
            *users,
            *labels,
        ]
        self.fields["person"].error_messages["invalid_choice"] = _(
            "There is no such person in this organization."
        )
