"""Forms of the import pages: the upload, and the column mapping of a contacts CSV."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hushpost.contacts.csv_files import MAX_ROWS
from hushpost.contacts.import_mapping import (
    IGNORE,
    mapping_errors,
    targets_for,
    unknown_custom_target,
)
from hushpost.contacts.models import CustomField, OnDuplicate
from hushpost.imports.models import ImportKind, ImportRun
from hushpost.imports.pipeline import MAX_UPLOAD_BYTES

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

FILE_HELP: dict[str, StrOrPromise] = {
    ImportKind.CONTACTS: format_lazy(
        _(
            "A CSV file (Google Contacts, Outlook, Apple/iCloud exporters or your own "
            "spreadsheet; columns separated by commas, semicolons or tabs, the first line "
            "naming them) or a vCard file (.vcf). Any common encoding; up to {mb} MB and "
            "{rows} rows."
        ),
        mb=MAX_UPLOAD_BYTES // 1024 // 1024,
        rows=f"{MAX_ROWS:,}",
    ),
    ImportKind.APPOINTMENTS: format_lazy(
        _(
            "An iCalendar file (.ics, exported from Google Calendar, Outlook, iCloud or your "
            "practice software) or a CSV file with the columns start, end, title, location, "
            "status, staff_email, external_id and the contact's name, email, phone. "
            "Any common encoding; up to {mb} MB."
        ),
        mb=MAX_UPLOAD_BYTES // 1024 // 1024,
    ),
}
ACCEPT: dict[str, str] = {
    ImportKind.CONTACTS: ".csv,.tsv,.txt,.vcf,text/csv,text/vcard,text/tab-separated-values",
    ImportKind.APPOINTMENTS: ".ics,.ical,.csv,.txt,text/calendar,text/csv",
}


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        # Checked by the pipeline, which says more than “the submitted file is empty”.
        allow_empty_file=True,
        required=False,
    )

    def __init__(self, *args, kind: str, too_large: bool = False, **kwargs):
        self.too_large = too_large
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = FILE_HELP[kind]
        self.fields["file"].widget.attrs["accept"] = ACCEPT[kind]

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large or (upload is not None and upload.size > MAX_UPLOAD_BYTES):
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB; split it into smaller files.")
                % {"mb": MAX_UPLOAD_BYTES // 1024 // 1024}
            )
        if upload is None:
            raise forms.ValidationError(_("Choose a file to upload."))
        return upload


class MappingForm(forms.Form):
    def __init__(
        self,
        *args,
        run: ImportRun,
        fields: list[CustomField],
        samples: Sequence[Sequence[str]] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.headers = run.headers
        self.samples = samples
        self.unknown: dict[int, str] = {}
        targets = targets_for(fields)
        for index, header in enumerate(self.headers):
            choices = list(targets)
            unknown = unknown_custom_target(header, fields)
            if unknown:
                self.unknown[index] = unknown
                choices.append((unknown, _("%(name)s (unknown field)") % {"name": unknown}))
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or _("Column %(number)s") % {"number": index + 1},
                choices=choices,
                initial=run.mapping.get(str(index), IGNORE),
            )
        self.fields["on_duplicate"] = forms.ChoiceField(
            label=_("When a row has the email or mobile phone of a contact you already have"),
            choices=OnDuplicate.choices,
            widget=forms.RadioSelect,
            initial=run.options.get("on_duplicate", OnDuplicate.REPORT),
        )

    def columns(self):
        """Each CSV column with its select, its first values and, for an unknown field, its key."""
        for index in range(len(self.headers)):
            values = [row[index] if index < len(row) else "" for row in self.samples]
            unknown = self.unknown.get(index, "")
            yield self[f"col_{index}"], values, unknown.removeprefix("custom.")

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        self.mapping = {
            str(index): cleaned.get(f"col_{index}", IGNORE) for index in range(len(self.headers))
        }
        if not self.errors:
            for error in mapping_errors(self.mapping, self.headers):
                self.add_error(None, error)
        return cleaned
