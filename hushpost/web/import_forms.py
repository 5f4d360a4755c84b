"""Forms of the CSV import: the upload, and the column mapping."""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.files.uploadhandler import MemoryFileUploadHandler

from hushpost.contacts.csv_files import MAX_ROWS, MAX_UPLOAD_BYTES, CsvError, read_upload
from hushpost.contacts.import_mapping import (
    IGNORE,
    mapping_errors,
    targets_for,
    unknown_custom_target,
)
from hushpost.contacts.models import ContactImport, CustomField, OnDuplicate

# Room for the multipart envelope around the file itself.
_ENVELOPE_BYTES = 64 * 1024


class KeepUploadInMemory(MemoryFileUploadHandler):
    """Hold the whole upload in memory: the file is contact data and must not
    sit in /tmp unencrypted."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        self.activated = content_length <= MAX_UPLOAD_BYTES + _ENVELOPE_BYTES


def upload_too_large(request) -> bool:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) > MAX_UPLOAD_BYTES + _ENVELOPE_BYTES
    except ValueError:
        return False


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        # Checked by read_upload, which says more than “the submitted file is empty”.
        allow_empty_file=True,
        required=False,
        help_text=(
            "UTF-8 text, columns separated by commas, semicolons or tabs, "
            f"up to {MAX_UPLOAD_BYTES // 1024 // 1024} MB and {MAX_ROWS:,} rows. "
            "The first line names the columns."
        ),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.tsv,.txt,text/csv,text/tab-separated-values"}
        ),
    )

    def __init__(self, *args, too_large: bool = False, **kwargs):
        self.too_large = too_large
        super().__init__(*args, **kwargs)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if self.too_large or (upload is not None and upload.size > MAX_UPLOAD_BYTES):
            raise forms.ValidationError(
                f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; "
                "split it into smaller files."
            )
        if upload is None:
            raise forms.ValidationError("Choose a CSV file to upload.")
        try:
            self.parsed = read_upload(upload.read())
        except CsvError as error:
            raise forms.ValidationError(str(error)) from None
        return upload


class MappingForm(forms.Form):
    def __init__(
        self,
        *args,
        contact_import: ContactImport,
        fields: list[CustomField],
        samples: Sequence[Sequence[str]] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.headers = contact_import.headers
        self.samples = samples
        self.unknown: dict[int, str] = {}
        targets = targets_for(fields)
        for index, header in enumerate(self.headers):
            choices = list(targets)
            unknown = unknown_custom_target(header, fields)
            if unknown:
                self.unknown[index] = unknown
                choices.append((unknown, f"{unknown} (unknown field)"))
            self.fields[f"col_{index}"] = forms.ChoiceField(
                label=header or f"Column {index + 1}",
                choices=choices,
                initial=contact_import.mapping.get(str(index), IGNORE),
            )
        self.fields["on_duplicate"] = forms.ChoiceField(
            label="When a row has the email or mobile phone of a contact you already have",
            choices=OnDuplicate.choices,
            widget=forms.RadioSelect,
            initial=contact_import.on_duplicate,
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
