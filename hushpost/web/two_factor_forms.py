"""Forms of the Security page."""

from django import forms
from django.utils.translation import gettext_lazy as _


class ConfirmCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the app"),
        max_length=12,
        help_text=_("The six digits the app shows for Hushpost."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class CodeOrPasswordForm(forms.Form):
    secret = forms.CharField(
        label=_("A current code or your password"),
        max_length=128,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class RequireTwoFactorForm(forms.Form):
    required = forms.BooleanField(
        label=_("Require two-factor sign-in for everyone in this organization"), required=False
    )
