"""Forms shared by the auth views."""

import logging

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader
from django.utils.translation import gettext_lazy as _

from hushpost.accounts import sign_in
from hushpost.outgoing_email import OutgoingEmail

logger = logging.getLogger(__name__)


class SignInForm(AuthenticationForm):
    """Email and password, refused while sign-in is locked for this email or this client."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
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
        label=_("Code"),
        max_length=32,
        help_text=_(
            "The six digits your authenticator app shows now, or one of your backup codes."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending through OutgoingEmail like every other email of ours
    (our sender as written, a Message-ID on the sending domain)."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email = OutgoingEmail(subject=subject, body=body, from_email=from_email, to=[to_email])
        if html_email_template_name is not None:
            html = loader.render_to_string(html_email_template_name, context)
            email.attach_alternative(html, "text/html")
        try:
            email.send()
        except Exception:
            # As Django's own form: the page never says whether the address has an account.
            logger.exception("Failed to send password reset email to %s", context["user"].pk)
