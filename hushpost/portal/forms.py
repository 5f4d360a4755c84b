from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from hushpost.messaging.conversations import MAX_REPLY_CHARS
from hushpost.portal.uploads import UploadRefused, read_upload


class ReplyForm(forms.Form):
    """A reply from the secure page: text, a file, or both. Nothing is stored
    until all of it is valid."""

    # strip=False: the contact's own line breaks and indentation are kept;
    # emptiness is judged on the stripped text in clean().
    body = forms.CharField(
        label=_("Your reply"),
        required=False,
        strip=False,
        max_length=MAX_REPLY_CHARS,
        error_messages={
            "max_length": _("Your reply is too long: up to %(limit_value)d characters.")
        },
    )
    attachment = forms.FileField(label=_("Attach a file (optional)"), required=False)

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if not upload:
            return None
        try:
            return read_upload(upload)
        except UploadRefused as refused:
            raise forms.ValidationError(refused.message) from None

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        body = (cleaned.get("body") or "").strip("\r\n")
        if "body" in cleaned:
            cleaned["body"] = body
        if not body.strip() and not cleaned.get("attachment") and not self.has_error("attachment"):
            self.add_error("body", _("Write a reply or attach a file."))
        return cleaned
