"""Forms shared by the auth views."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from hushpost.accounts import sign_in


class SignInForm(AuthenticationForm):
    """Email and password, refused while sign-in is locked for this email or this client."""

    username = forms.EmailField(
        label="Email",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email and password don't match an account. Check both and try again."
        ),
    }

    def clean(self):
        email = self.cleaned_data.get("username") or ""
        # Checked before the password, so a locked account can't be probed
        # (not even with the right password) until the lock ends.
        lock = sign_in.lock_for(self.request, email)
        if lock is not None:
            raise ValidationError(lock.notice, code="locked")
        try:
            return super().clean()
        except ValidationError as error:
            if email and getattr(error, "code", None) == "invalid_login":
                sign_in.failed(self.request, email)
                lock = sign_in.lock_for(self.request, email)
                if lock is not None:
                    raise ValidationError(lock.notice, code="locked") from None
            raise


class TwoFactorCodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=32,
        help_text="The six digits your authenticator app shows now, or one of your backup codes.",
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )
