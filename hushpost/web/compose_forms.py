"""Forms of Compose and of the inbox reply box.

They collect what staff typed and put the refusals of
hushpost.messaging.compose (check_compose, ComposeError) at their fields;
the rules themselves live there, shared with the API.
"""

from __future__ import annotations

import uuid
from functools import wraps
from typing import TYPE_CHECKING, cast

from django import forms
from django.forms.utils import ErrorDict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from hushpost.contacts.models import Contact
from hushpost.contacts.values import is_pin
from hushpost.delivery.models import Channel
from hushpost.messaging.attachment_uploads import (
    MAX_ATTACHMENT_MB,
    TOO_LARGE,
    AttachmentsInMemory,
    read_attachments,
)
from hushpost.messaging.audience import Audience, extra_fields_of
from hushpost.messaging.compose import MAX_ATTACHMENTS, NewAttachment, check_compose
from hushpost.messaging.notify import why_unreachable
from hushpost.web.compose_groups import add_group_fields, group_audience

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

UNKNOWN_CONTACT = _(
    "Unknown contact: one of the chosen contacts is not in your organization (or was deleted)."
)


def uploads_in_memory(view):
    """Take a view's uploads with AttachmentsInMemory.

    Upload handlers can only change before anything reads the body, which the
    CSRF middleware would do; so the middleware skips the view and the same
    CSRF check runs right after the handlers are set.
    """
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        request.upload_handlers = [AttachmentsInMemory(request)]
        return protected(request, *args, **kwargs)

    return wrapper


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files from one <input type=file multiple>, as Django's docs show."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _normalize(text: str) -> str:
    # Browsers send textarea line breaks as CRLF; a text message counts characters.
    return (text or "").replace("\r\n", "\n")


class ProblemsForm(forms.Form):
    # Where a problem named by check_compose is shown, when the form calls the field otherwise.
    problem_fields: dict[str, str] = {}

    def add_problems(self, problems: dict[str, list[str]]) -> None:
        for name, found in problems.items():
            name = self.problem_fields.get(name, name)
            for problem in found:
                self.add_error(name if name in self.fields else None, problem)


class ComposeForm(ProblemsForm):
    problem_fields = {"recipients": "contacts"}

    contacts = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(),
        required=False,  # check_compose says "Choose at least one contact."
        error_messages={"invalid_choice": UNKNOWN_CONTACT, "invalid_pk_value": UNKNOWN_CONTACT},
    )
    channel = forms.ChoiceField(
        label=_("Send by"), choices=Channel.choices, initial=Channel.SMS, widget=forms.RadioSelect
    )
    secure = forms.BooleanField(
        label=_("Send securely"),
        required=False,
        help_text=_(
            "The contact gets a short notification with a personal link; "
            "the message itself stays here."
        ),
    )
    notify_when_viewed = forms.BooleanField(
        label=_("Notify me when viewed"),
        required=False,
        help_text=_(
            "One email to you, with nothing of the message in it, "
            "when the contact first opens it. Secure messages only."
        ),
    )
    pin = forms.CharField(
        label=_("Message PIN (optional)"),
        required=False,
        max_length=100,
        help_text=_(
            "Asked for before this message can be read. Letters and digits. "
            "Empty: the contact's own PIN, or the default PIN."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "none"}
        ),
    )
    subject = forms.CharField(
        label=_("Subject (email)"),
        required=False,
        max_length=500,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    body = forms.CharField(
        label=_("Message"),
        required=False,  # check_compose says "Write a message."
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    attachments = MultipleFileField(
        label=_("Attachments"),
        required=False,
        help_text=format_lazy(
            _("For secure messages and email. Up to {files} files, {mb} MB each."),
            files=MAX_ATTACHMENTS,
            mb=MAX_ATTACHMENT_MB,
        ),
    )

    def __init__(
        self,
        *args,
        organization,
        validate: bool = True,
        too_large: bool = False,
        appointments=(),
        extra_fields=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.organization = organization
        # Appointments chosen as recipients (their fields usable in the message).
        self.appointments = list(appointments)
        self.extra_fields = extra_fields
        self.validate = validate
        self.too_large = too_large
        cast(
            forms.ModelMultipleChoiceField, self.fields["contacts"]
        ).queryset = Contact.objects.for_org(organization)
        self.new_attachments: list[NewAttachment] = []
        add_group_fields(self, organization)
        # A group (all contacts, by a field, a day's appointments) instead of picked people.
        self.audience: Audience | None = None

    def full_clean(self):
        if not self.validate:
            # A search, a page of contacts or a preview shows the form again as
            # typed; it doesn't judge it before Send is pressed.
            self._errors = ErrorDict()
            self.cleaned_data = {}
            return
        super().full_clean()

    def clean_pin(self):
        pin = self.cleaned_data["pin"].strip()
        if pin and not is_pin(pin):
            raise forms.ValidationError(
                _("A PIN is letters and digits only, with no spaces or symbols.")
            )
        return pin

    def clean_subject(self):
        return self.cleaned_data["subject"].strip()

    def clean_body(self):
        return _normalize(self.cleaned_data["body"])

    def clean_attachments(self):
        if self.too_large:
            raise forms.ValidationError(TOO_LARGE)
        self.new_attachments, problems = read_attachments(self.cleaned_data["attachments"])
        if problems:
            raise forms.ValidationError(problems)
        return self.cleaned_data["attachments"]

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("pin") and not cleaned.get("secure"):
            self.add_error(
                "pin",
                _("A PIN protects secure messages only: tick “Send securely” or leave it empty."),
            )
        self.audience, field, problem = group_audience(self.organization, self.data)
        if problem:
            self.add_error(field, problem)
        if self.audience is not None:
            recipients = len(self.audience)
            extra_fields = extra_fields_of(self.audience.kind)
        else:
            recipients = (
                len(cleaned.get("contacts") or []) + len(self.appointments)
                if "contacts" not in self.errors and not problem
                else 1
            )
            extra_fields = self.extra_fields
        # Everything send_message would refuse, shown at once beside the form's own errors.
        problems = check_compose(
            self.organization,
            channel=self.data.get("channel", ""),
            secure=bool(cleaned.get("secure")),
            body=_normalize(self.data.get("body", "")),
            subject=(self.data.get("subject") or "").strip(),
            attachments=self.new_attachments,
            recipients=recipients,
            extra_fields=extra_fields,
        )
        if self.audience is not None and "recipients" in problems:
            # "Choose at least one contact" would point at the picker: say the group is empty.
            problems.pop("recipients")
            self.add_error(field, _("Nobody is in this group."))
        self.add_problems(problems)
        return cleaned

    def typed(self) -> dict:
        """What is in the form now, valid or not: for the preview and the recipient list."""
        data = self.data if self.is_bound else {}

        def value(name: str) -> str:
            return (data.get(name) if self.is_bound else self.initial.get(name)) or ""

        secure = (
            data.get("secure") in ("on", "true", "1")
            if self.is_bound
            else bool(self.initial.get("secure"))
        )
        return {
            "channel": value("channel") or Channel.SMS,
            "secure": secure,
            "pin": value("pin").strip(),
            "subject": value("subject").strip(),
            "body": _normalize(value("body")),
        }


def chosen_ids(values) -> list[uuid.UUID]:
    """The contact ids asked for, in order, without repeats or anything that isn't an id."""
    ids: list[uuid.UUID] = []
    for value in values:
        try:
            contact_id = uuid.UUID(str(value))
        except ValueError:
            continue
        if contact_id not in ids:
            ids.append(contact_id)
    return ids


class ReplyForm(ProblemsForm):
    """The inbox reply: always a secure message, to one contact."""

    problem_fields = {"attachments": "attachment"}

    channel = forms.ChoiceField(
        label=_("Send the notification by"), choices=(), widget=forms.RadioSelect
    )
    body = forms.CharField(
        label=_("Reply"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    attachment = forms.FileField(
        label=_("Attachment (optional)"),
        required=False,
        help_text=format_lazy(_("One file, up to {mb} MB."), mb=MAX_ATTACHMENT_MB),
    )

    def __init__(
        self, *args, contact: Contact, default_channel: str, too_large: bool = False, **kwargs
    ):
        kwargs["initial"] = {"channel": default_channel, **kwargs.get("initial", {})}
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.too_large = too_large
        cast(forms.ChoiceField, self.fields["channel"]).choices = [
            (Channel.SMS, self._label(Channel.SMS, _("Text message"))),
            (Channel.EMAIL, self._label(Channel.EMAIL, _("Email"))),
        ]
        self.new_attachments: list[NewAttachment] = []

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        if "channel" in cleaned:
            self.add_problems(
                check_compose(
                    self.contact.organization,
                    channel=cleaned["channel"],
                    secure=True,
                    body=_normalize(self.data.get("body", "")),
                    subject="",
                    attachments=self.new_attachments,
                    recipients=1,
                )
            )
        return cleaned

    def _label(self, channel: str, name: StrOrPromise) -> str:
        # Saying up front why a channel can't reach the contact saves a refused send.
        problem = why_unreachable(self.contact, channel)
        return f"{name} ({problem})" if problem else str(name)

    def clean_body(self):
        return _normalize(self.cleaned_data["body"])

    def clean_attachment(self):
        upload = self.cleaned_data.get("attachment")
        if self.too_large:
            raise forms.ValidationError(TOO_LARGE)
        if upload:
            self.new_attachments, problems = read_attachments([upload])
            if problems:
                raise forms.ValidationError(problems)
        return upload
