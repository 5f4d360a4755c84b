"""The form of Appointments → Calendar feeds: a feed's name, secret address and staff member.

The rules (the SSRF guard, webcal://, known staff) are hushpost.imports.feeds';
the form puts that module's refusals at its fields. The address is a secret:
an existing feed's is never put back into the form, only its masked hint.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.models import User
from hushpost.imports.feeds import MAX_NAME


class CalendarFeedForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME,
        help_text=_("Whose calendar it is, such as “Dr. Lee” or “Front desk”."),
    )
    url = forms.CharField(
        label=_("Secret address in iCal format"),
        max_length=2000,
        help_text=_(
            "From Google Calendar (Settings → the calendar → “Secret address in iCal format”), "
            "Outlook (Calendar → Shared calendars → Publish a calendar → ICS link), iCloud "
            "(share the calendar as a Public Calendar) or your EHR's iCal export. "
            "webcal:// addresses work."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    staff_email = forms.ChoiceField(
        label=_("Assign its appointments to"),
        required=False,
        help_text=_("Unless an event's organizer is a staff member."),
    )

    def __init__(self, *args, organization, feed=None, **kwargs):
        if feed is not None:
            kwargs.setdefault("initial", {"name": feed.name, "staff_email": feed.staff_email})
        super().__init__(*args, **kwargs)
        staff = User.objects.filter(organization=organization, is_active=True).order_by("email")
        staff_field = self.fields["staff_email"]
        assert isinstance(staff_field, forms.ChoiceField)
        staff_field.choices = [("", _("Nobody"))] + [
            (user.email, user.display_name) for user in staff
        ]
        if feed is not None:
            self.fields["url"].required = False
            self.fields["url"].label = _("New secret address")
            self.fields["url"].help_text = _(
                "Now %(hint)s. Leave empty to keep it; give the new one after "
                "resetting the calendar's secret address."
            ) % {"hint": feed.url_hint}

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for name, texts in problems.items():
            for text in texts:
                self.add_error(name if name in self.fields else None, text)
