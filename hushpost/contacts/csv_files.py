"""Reading the text of an uploaded CSV file into headers and rows, and writing rows back out.

An upload is decoded by the import pipeline (imports.file_encoding), checked
once here, and stored re-written as plain comma-separated text. The import
then never has to guess the delimiter or the encoding again, so a resumed
import reads exactly the rows the first run read. Both contact and
appointment CSV files are read here.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass

from hushpost.imports.readers import ImportRefused

MAX_ROWS = 50_000
DELIMITERS = (",", ";", "\t")
# Enough lines to tell the delimiter from commas that sit inside quoted values.
SNIFF_ROWS = 20

_LOOKS_LIKE_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_LOOKS_LIKE_PHONE = re.compile(r"^\+?[\d\s().-]{7,}$")


# Excel writes this first line to say which delimiter the file uses.
_EXCEL_SEP = re.compile(r"^sep=(.)\r?\n", re.IGNORECASE)


class CsvError(ImportRefused):
    """The file can't be imported; the message says why, for the person who uploaded it."""


@dataclass(frozen=True)
class ParsedCsv:
    headers: list[str]
    rows: list[list[str]]
    text: str  # The rows as plain comma-separated CSV, header first.


def header_key(header: str) -> str:
    """A header as compared for duplicates and matching: case, spaces, '_' and '-' don't count."""
    return re.sub(r"[\s_\-]+", "", header).lower()


def read_csv_text(text: str, *, what: str = "contacts") -> ParsedCsv:
    """Headers and rows of a decoded upload; raises CsvError saying what is wrong."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise CsvError("The file is empty.")
    # Text holds no NUL characters; a spreadsheet (.xlsx), PDF or image read as text does.
    if "\x00" in text:
        raise CsvError("This is not a CSV file. In your spreadsheet, use “Save as” → “CSV UTF-8”.")
    excel_sep = _EXCEL_SEP.match(text)
    if excel_sep:
        text = text[excel_sep.end() :]
    delimiter = excel_sep.group(1) if excel_sep else _sniff_delimiter(text)
    records = _parse(text, delimiter)
    # Trailing blank lines are an artefact of editors; blank lines in between
    # are kept so row numbers match what a spreadsheet shows.
    while records and not any(cell.strip() for cell in records[-1]):
        records.pop()
    if not records:
        raise CsvError("The file is empty.")
    headers = [cell.strip() for cell in records[0]]
    _check_headers(headers)
    rows = records[1:]
    if not rows:
        raise CsvError(f"The file has a header row but no {what} under it.")
    if len(rows) > MAX_ROWS:
        raise CsvError(f"The file has {len(rows):,} rows; import at most {MAX_ROWS:,} at a time.")
    return ParsedCsv(headers=headers, rows=rows, text=write_rows([headers, *rows]))


def read_rows(text: str) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of a file stored by read_upload."""
    records = _parse(text, ",")
    return records[0], records[1:]


def write_rows(rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(rows)
    return out.getvalue()


def _parse(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as error:
        raise CsvError(f"Line {reader.line_num} of the file is not valid CSV ({error}).") from None


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most columns, consistently.

    csv.Sniffer guesses from character frequencies and is easily fooled by
    commas inside quoted names; reading the first lines with each candidate
    and keeping the one whose rows agree with the header is sturdier.
    """
    sample = text[: 64 * 1024]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        reader = csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
        lines: list[list[str]] = []
        try:
            for row in reader:
                lines.append(row)
                if len(lines) >= SNIFF_ROWS:
                    break
        except csv.Error:
            continue
        if not lines or len(lines[0]) < 2:
            continue
        agreeing = sum(1 for row in lines[1:] if len(row) == len(lines[0]))
        score = (agreeing, len(lines[0]))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _check_headers(headers: list[str]) -> None:
    if not any(headers):
        raise CsvError(
            "The first line is empty: it must name the columns (Name, Mobile phone, Email, …)."
        )
    if any(_LOOKS_LIKE_EMAIL.match(cell) or _LOOKS_LIKE_PHONE.match(cell) for cell in headers):
        raise CsvError(
            "The first line looks like a contact, not column names. "
            "Add a header row that names the columns (Name, Mobile phone, Email, …)."
        )
    if len(headers) < 2:
        raise CsvError(
            "Only one column was found. Separate columns with commas, semicolons or tabs; "
            "a contact needs at least a name and a phone or email."
        )
    seen: dict[str, str] = {}
    for header in headers:
        if not header:
            continue
        key = header_key(header)
        if key in seen:
            raise CsvError(
                f"Two columns have the same name (“{seen[key]}” and “{header}”); rename one."
            )
        seen[key] = header
