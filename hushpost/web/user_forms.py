"""Forms for the Users page. They offer only the roles the signed-in user may give;
hushpost.accounts.staff enforces every rule again."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.accounts import staff
from hushpost.accounts.models import Role
from hushpost.accounts.time_zones import time_zone_choices
from hushpost.languages import STAFF_LANGUAGES

ROLE_HELP = _(
    "Owners can do everything, including managing other owners. Admins manage settings, fields "
    "and users. Members work with contacts, messages and appointments."
)


def _role_field(actor) -> forms.ChoiceField:
    return forms.ChoiceField(
        label=_("Role"),
        choices=[(role.value, role.label) for role in staff.assignable_roles(actor)],
        help_text=ROLE_HELP,
    )


class InviteUserForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_("They get an email with a link to choose their password."),
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(actor)
        self.fields["role"].initial = Role.MEMBER


class EditUserForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)

    def __init__(self, *args, actor, target, **kwargs):
        kwargs.setdefault(
            "initial",
            {"first_name": target.first_name, "last_name": target.last_name, "role": target.role},
        )
        super().__init__(*args, **kwargs)
        self.fields["role"] = _role_field(actor)


class PreferencesForm(forms.Form):
    """A staff member's own name and time zone."""

    first_name = forms.CharField(label=_("First name"), max_length=100, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    time_zone = forms.ChoiceField(
        label=_("Your time zone"),
        required=False,
        help_text=_("Every time on every page is shown in it, with its abbreviation."),
    )
    language = forms.ChoiceField(
        label=_("Language"),
        choices=STAFF_LANGUAGES,
        required=False,
        help_text=_("The language of these pages for you. Contacts get their own language."),
    )

    def clean_language(self) -> str | None:
        # Not sent (an older form, a script): the language stays as it is.
        return self.cleaned_data["language"] or None

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "time_zone": user.time_zone,
                "language": user.language,
            },
        )
        super().__init__(*args, **kwargs)
        org = user.organization
        cast(forms.ChoiceField, self.fields["time_zone"]).choices = time_zone_choices(
            country=org.country,
            current=user.time_zone,
            blank=_("The organization's: %(zone)s") % {"zone": org.time_zone},
        )
