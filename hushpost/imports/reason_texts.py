"""Import row reasons and warnings: each text defined once, stored in English, shown translated.

The import worker stores a row's reasons and warnings as English text
(ImportRow.reasons / warnings); the API and the CLI report give them as stored.
The staff report page shows them in the staff member's language by matching a
stored text back against these definitions and translating the one it matches.

Why match the text instead of storing a code + params next to it: rows already
stored (and every row written by an older worker) then translate too, without a
migration that would have to guess codes for old rows, and the English stays the
one thing the API promises. A text that matches no definition (say, a validation
message of another app) is shown as stored.

Producers build their text with ``english(TEXT, name=value)`` from the same
definitions, so a reason can't drift from the pattern that translates it.
"""

import re
from functools import cache

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

# Contacts ------------------------------------------------------------------
NAME_TOO_LONG = pgettext_lazy("staff", "name too long (%(max)s characters at most)")
BAD_PHONE = pgettext_lazy("staff", "bad phone (not a valid mobile number; add the country code)")
BAD_PHONE_EXTENSION = pgettext_lazy(
    "staff",
    "bad phone (has an extension, which a text message can't reach; give a direct or mobile "
    "number)",
)
BAD_EMAIL = pgettext_lazy("staff", "bad email")
BAD_TIME_ZONE = pgettext_lazy("staff", "bad time zone (use a name such as America/New_York)")
BAD_PIN = pgettext_lazy("staff", "bad secure PIN (letters and digits only)")
BAD_SMS_OPT_OUT = pgettext_lazy("staff", "bad SMS opt-out (use yes or no)")
BAD_EMAIL_OPT_OUT = pgettext_lazy("staff", "bad email opt-out (use yes or no)")
NO_PHONE_NO_EMAIL = pgettext_lazy("staff", "no phone and no email")
MISSING_NAME = pgettext_lazy("staff", "missing name")
UNKNOWN_LANGUAGE = pgettext_lazy(
    "staff", "%(column)s: not a language we send in; the contact keeps its language"
)
# The problem of a phone column that isn't imported; shown inside PHONE_NOT_IMPORTED.
PHONE_EXTENSION = pgettext_lazy(
    "staff", "has an extension, which a text message can't reach; give a direct or mobile number"
)
PHONE_INVALID = pgettext_lazy("staff", "not a valid phone number")
PHONE_NOT_IMPORTED = pgettext_lazy("staff", "%(column)s: %(problem)s; not imported")
MORE_NUMBERS = pgettext_lazy(
    "staff",
    "%(column)s: %(count)s more number(s) in the cell, not imported (the first usable one was)",
)
ANOTHER_NUMBER = pgettext_lazy(
    "staff",
    "%(column)s: another number, not imported (the contact's number came from %(source)s)",
)
NO_MOBILE = pgettext_lazy("staff", "no mobile number; the number from %(column)s was used")
LANDLINE = pgettext_lazy(
    "staff",
    "%(column)s: a landline, kept but flagged: it can't receive texts, so text messages to it "
    "are held",
)
EXCHANGE_ADDRESS = pgettext_lazy("staff", "%(column)s: an Exchange address, not an email; skipped")
NOT_AN_EMAIL = pgettext_lazy("staff", "%(column)s: not an email address; skipped")
MORE_ADDRESSES = pgettext_lazy(
    "staff",
    "%(column)s: %(count)s more address(es) in the cell, not imported (the first usable one was)",
)
ANOTHER_ADDRESS = pgettext_lazy("staff", "%(column)s: another address, not imported")
FIRST_EMAIL_EMPTY = pgettext_lazy("staff", "the first email column holds no valid address; skipped")
UNKNOWN_FIELD = pgettext_lazy("staff", "unknown field %(key)s")
FIELD_NOT_NUMBER = pgettext_lazy("staff", "bad %(field)s: not a number")
FIELD_NOT_DATE = pgettext_lazy("staff", "bad %(field)s: not a date (use YYYY-MM-DD)")
MORE_CELLS = pgettext_lazy(
    "staff", "more cells (%(cells)s) than columns (%(columns)s); check the quoting"
)
DUPLICATE_LINE_EMAIL = pgettext_lazy(
    "staff", "duplicate: line %(number)s of this file has the same email"
)
DUPLICATE_LINE_PHONE = pgettext_lazy(
    "staff", "duplicate: line %(number)s of this file has the same mobile phone"
)
DUPLICATE_ROW_EMAIL = pgettext_lazy(
    "staff", "duplicate: row %(number)s of this file has the same email"
)
DUPLICATE_ROW_PHONE = pgettext_lazy(
    "staff", "duplicate: row %(number)s of this file has the same mobile phone"
)
DUPLICATE_STORED_EMAIL = pgettext_lazy(
    "staff", "duplicate: a contact with the same email already exists"
)
DUPLICATE_STORED_PHONE = pgettext_lazy(
    "staff", "duplicate: a contact with the same mobile phone already exists"
)
DUPLICATE_TWO_CONTACTS = pgettext_lazy(
    "staff", "duplicate: the email and the mobile phone belong to two different contacts"
)
BAD_VCARD = pgettext_lazy("staff", "this card is not a valid vCard; it could not be read")

# Appointments --------------------------------------------------------------
EXTERNAL_ID_TOO_LONG = pgettext_lazy("staff", "external id too long (%(max)s characters at most)")
SAME_EXTERNAL_ID = pgettext_lazy("staff", "the same external id as %(first)s")
END_BEFORE_START = pgettext_lazy("staff", "end before start")
BAD_STATUS = pgettext_lazy("staff", "bad status (use scheduled, confirmed or cancelled)")
UNKNOWN_STAFF = pgettext_lazy("staff", "unknown staff member (no staff user has this email)")
TITLE_TOO_LONG = pgettext_lazy("staff", "title too long (%(max)s characters at most)")
LOCATION_TOO_LONG = pgettext_lazy("staff", "location too long (%(max)s characters at most)")
NEW_CONTACT = pgettext_lazy("staff", "new contact added")
NO_CONTACT = pgettext_lazy("staff", "no contact: give an email or phone")
NAMED_FROM_ADDRESS = pgettext_lazy(
    "staff", "the calendar gave no name: the new contact is named from the address"
)
UNKNOWN_CONTACT = pgettext_lazy(
    "staff", "unknown contact (no contact has this email or phone; give a name to add one)"
)
OLDER = pgettext_lazy(
    "staff", "older than what is stored (a newer version of this event was imported before)"
)
GONE = pgettext_lazy("staff", "no longer in the calendar: cancelled")
CANCELLED_NEW = pgettext_lazy(
    "staff", "cancelled in the calendar, and never imported before: nothing to store"
)
EVENT_MALFORMED = pgettext_lazy("staff", "event %(index)s is malformed and could not be read")
NO_UID = pgettext_lazy("staff", "no UID, so a later import could not find it again")
BAD_RECURRENCE = pgettext_lazy("staff", "the recurrence (RRULE, RDATE or EXDATE) can't be read")
BAD_DURATION = pgettext_lazy("staff", "bad duration")
MISSING_START = pgettext_lazy("staff", "missing start")
MISSING_END = pgettext_lazy("staff", "missing end")
BAD_START = pgettext_lazy("staff", "bad start date")
BAD_END = pgettext_lazy("staff", "bad end date")
BAD_START_HINT = pgettext_lazy(
    "staff", "bad start date (use YYYY-MM-DD HH:MM, optionally with an offset such as +01:00)"
)
BAD_END_HINT = pgettext_lazy(
    "staff", "bad end date (use YYYY-MM-DD HH:MM, optionally with an offset such as +01:00)"
)
ALL_DAY = pgettext_lazy("staff", "all-day event (no start time)")
START_ZONE_UNKNOWN = pgettext_lazy(
    "staff", "unknown time zone “%(zone)s” (TZID) for the start: read in %(fallback)s instead"
)
END_ZONE_UNKNOWN = pgettext_lazy(
    "staff", "unknown time zone “%(zone)s” (TZID) for the end: read in %(fallback)s instead"
)
NO_CLIENT = pgettext_lazy(
    "staff",
    "no client among the attendees (the organizer, staff members, rooms and resources are "
    "not clients), and no email or phone number in the description or location",
)
CLIENT_FROM_TEXT = pgettext_lazy(
    "staff",
    "the client is not a guest of the event: found by the email or phone number in its "
    "description or location",
)

# Notes on a whole calendar file (ImportRun.notes) -------------------------------
ZONE_DECLARED_UNKNOWN = pgettext_lazy(
    "staff",
    "The calendar declares the unknown time zone “%(zone)s” (X-WR-TIMEZONE); times without a "
    "zone were read in the organization's zone, %(organization_zone)s.",
)
ZONE_DECLARED = pgettext_lazy(
    "staff", "Times without a zone were read in the calendar's zone, %(zone)s (X-WR-TIMEZONE)."
)
# A series: one occurrence or several, with its first and last dates when any has
# a start, closed or open-ended — each a whole sentence. The open-ended ones come
# first: the closed pattern would also match them (its last date taking the rest),
# and `shown` takes the first definition that matches.
SERIES_ONE_OPEN = pgettext_lazy(
    "staff",
    "Series %(uid)s: 1 occurrence from %(first)s to %(last)s (open-ended: later ones are added "
    "as time goes on).",
)
SERIES_ONE = pgettext_lazy("staff", "Series %(uid)s: 1 occurrence from %(first)s to %(last)s.")
SERIES_MANY_OPEN = pgettext_lazy(
    "staff",
    "Series %(uid)s: %(count)s occurrences from %(first)s to %(last)s (open-ended: later ones "
    "are added as time goes on).",
)
SERIES_MANY = pgettext_lazy(
    "staff", "Series %(uid)s: %(count)s occurrences from %(first)s to %(last)s."
)
# Occurrences were read but none has a start that could be read (each row says why).
SERIES_UNDATED = pgettext_lazy(
    "staff", "Series %(uid)s: %(count)s read, none with a start that can be read."
)

# Any import ----------------------------------------------------------------
UNEXPECTED = pgettext_lazy(
    "staff",
    "could not be stored because of an unexpected error (%(error)s); the rest of the file was",
)

# Placeholders whose value is itself one of these texts (translated in turn).
_NESTED = {"problem"}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def english(text: Promise, **params: object) -> str:
    """The stored (English) form of a definition, with its placeholders filled."""
    with translation.override("en"):
        template = str(text)
    return template % params if params else template


@cache
def _patterns() -> tuple[dict[str, Promise], list[tuple[re.Pattern[str], Promise]]]:
    exact: dict[str, Promise] = {}
    templated: list[tuple[re.Pattern[str], Promise]] = []
    for value in globals().values():
        if not isinstance(value, Promise):
            continue
        template = english(value)
        pieces = _PLACEHOLDER.split(template)
        if len(pieces) == 1:
            exact[template] = value
            continue
        # split() alternates literal text and placeholder names.
        regex = "".join(
            re.escape(piece) if index % 2 == 0 else f"(?P<{piece}>.+?)"
            for index, piece in enumerate(pieces)
        )
        templated.append((re.compile(regex, re.DOTALL), value))
    return exact, templated


def shown(stored: str) -> str:
    """A stored reason or warning in the active language; as stored if no definition matches."""
    exact, templated = _patterns()
    if stored in exact:
        return str(exact[stored])
    for pattern, text in templated:
        match = pattern.fullmatch(stored)
        if match is None:
            continue
        params = {
            name: shown(value) if name in _NESTED else value
            for name, value in match.groupdict().items()
        }
        return str(text) % params
    return stored
