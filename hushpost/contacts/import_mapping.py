"""What each column of a contacts CSV becomes: the targets, a first guess from headers, the rules.

A mapping is stored as {"<column index>": target}; a target is "ignore", a
contact field ("name", "phone", …), a part of one ("first_name",
"other_phone", …) or "custom.<key>". The guess knows the documented export
layouts of Google Contacts (current: "First Name", "Phone 1 - Label" /
"Phone 1 - Value"; older: "Given Name", "Phone 1 - Type"), Outlook (the
92-column export, in English and in the languages we speak) and Apple/iCloud
exporters ("Phone : mobile"), and plain spreadsheets ("Name", "Mobile").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.utils.translation import pgettext, pgettext_lazy

from hushpost.contacts.csv_files import header_key
from hushpost.contacts.models import CustomField
from hushpost.contacts.phone_labels import PhoneKind, phone_kind

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

IGNORE = "ignore"
CUSTOM_PREFIX = "custom."

STANDARD_TARGETS: dict[str, StrOrPromise] = {
    "name": pgettext_lazy("staff", "Name"),
    "first_name": pgettext_lazy("staff", "First name (joined with middle and last into the name)"),
    "middle_name": pgettext_lazy("staff", "Middle name"),
    "last_name": pgettext_lazy("staff", "Last name"),
    "phone": pgettext_lazy("staff", "Mobile phone"),
    "other_phone": pgettext_lazy(
        "staff", "Other phone (used when no mobile is given; labelled by its header)"
    ),
    "email": pgettext_lazy("staff", "Email"),
    "other_email": pgettext_lazy(
        "staff", "Other email (used when the first is empty or not an address)"
    ),
    "time_zone": pgettext_lazy("staff", "Time zone"),
    "language": pgettext_lazy("staff", "Language"),
    "secure_pin": pgettext_lazy("staff", "Secure PIN"),
    "sms_opt_out": pgettext_lazy("staff", "Opted out of text messages"),
    "email_opt_out": pgettext_lazy("staff", "Opted out of email"),
}
# Targets several columns may have: address books keep several phones and emails.
REPEATABLE = {"other_phone", "other_email"}
NAME_PARTS = ("first_name", "middle_name", "last_name")

# Header spellings seen in exports from address books, CRMs and spreadsheets, in
# the languages we speak, compared after header_key() (so "E-mail" is "email").
SYNONYMS = {
    "name": {
        "name",
        "fullname",
        "contactname",
        "clientname",
        "patientname",
        "contact",
        "client",
        "patient",
        "displayname",
        "nombrecompleto",
        "nomcomplet",
        "vollständigername",
        "nomecompleto",
        "volledigenaam",
        "imięinazwisko",
        "họvàtên",
        "姓名",
        "الاسم",
        "nombre",
        "nom",
        "nome",
        "naam",
    },
    "first_name": {
        "firstname",
        "givenname",
        "first",
        "forename",
        "vorname",
        "prénom",
        "prenom",
        "primernombre",
        "voornaam",
        "imię",
        "imie",
        "primeironome",
        "tên",
        "名",
    },
    "middle_name": {
        "middlename",
        "additionalname",
        "weiterevornamen",
        "segundonombre",
        "deuxièmeprénom",
        "deuxiemeprenom",
        "secondonome",
        "nomedomeio",
        "middelstenaam",
        "tussenvoegsel",
        "drugieimię",
        "drugieimie",
        "tênđệm",
    },
    "last_name": {
        "lastname",
        "familyname",
        "surname",
        "nachname",
        "apellidos",
        "apellido",
        "nomdefamille",
        "cognome",
        "sobrenome",
        "apelido",
        "achternaam",
        "nazwisko",
        "họ",
        "姓",
    },
    "phone": {
        "mobile",
        "mobilephone",
        "mobilenumber",
        "mobiltelefon",
        "mobil",
        "handy",
        "handynummer",
        "cell",
        "cellphone",
        "cellnumber",
        "cellular",
        "sms",
        "smsnumber",
        "teléfonomóvil",
        "telefonomovil",
        "móvil",
        "movil",
        "celular",
        "téléphonemobile",
        "telephonemobile",
        "portable",
        "téléphoneportable",
        "telefonecelular",
        "telemóvel",
        "cellulare",
        "telefonocellulare",
        "mobiel",
        "mobieletelefoon",
        "mobielnummer",
        "telefonkomórkowy",
        "komórka",
        "điệnthoạididộng",
        "điệnthoạidiđộng",
        "diđộng",
        "手机",
        "移动电话",
        "الجوال",
        "جوال",
        "هاتفمحمول",
        "phone:mobile",
        "phone:iphone",
    },
    "email": {
        "email",
        "emailaddress",
        "mail",
        "emailadresse",
        "correo",
        "correoelectrónico",
        "correoelectronico",
        "direccióndecorreoelectrónico",
        "courriel",
        "adressedemessagerie",
        "adresseemail",
        "adressee-mail",
        "indirizzoemail",
        "posta",
        "emailadres",
        "adresemail",
        "電子郵件",
        "电子邮件",
        "البريدالإلكتروني",
        "địachỉemail",
        "email1value",
        "emailvalue",
        "e-mail1value",
    },
    "time_zone": {
        "timezone",
        "tz",
        "zone",
        "zeitzone",
        "zonahoraria",
        "fuseauhoraire",
        "fusoorario",
        "tijdzone",
        "strefaczasowa",
        "múigiờ",
        "时区",
    },
    "language": {
        "language",
        "lang",
        "locale",
        "sprache",
        "idioma",
        "langue",
        "lingua",
        "taal",
        "język",
        "jezyk",
        "ngônngữ",
        "语言",
        "اللغة",
    },
    "secure_pin": {"securepin", "pin"},
    "sms_opt_out": {"smsoptout", "textoptout", "smsoptedout", "optoutsms"},
    "email_opt_out": {"emailoptout", "emailoptedout", "optoutemail"},
}
# Words that make a header about a phone or an email column (beyond the synonyms).
_PHONE_WORDS = re.compile(
    r"phone|telefon|teléfono|téléphone|telefone|telefono|telefoon|\btel\b|mobil|cell|handy|"
    r"fax|pager|callback|isdn|điện thoại|电话|電話|手机|هاتف|جوال",
    re.IGNORECASE,
)
_EMAIL_WORDS = re.compile(r"e-?mail|correo|courriel|邮件|郵件|البريد", re.IGNORECASE)
# Columns beside a value that say what kind of value it is, or how to show it — never values.
_NOT_A_VALUE = re.compile(
    r"(label|type|typ|tipo|displayname|angezeigtername|nomvisible|nombreparamostrar|"
    r"visualizzato|weergavenaam)$",
    re.IGNORECASE,
)
# "Phone 1 - Value" ↔ "Phone 1 - Label" (Google) or "Phone 1 - Type" (older Google).
_PAIRED_VALUE = re.compile(r"^(?P<stem>.*?)\s*-\s*value$", re.IGNORECASE)
# French Outlook's "Nom" is the last name beside "Prénom"; Spanish and Italian
# "Nombre"/"Nome" are the first name beside "Apellidos"/"Cognome". Alone, each is the name.
_NAME_BESIDE_PARTS = {"nom": "last_name", "nombre": "first_name", "nome": "first_name"}


def custom_key(target: str) -> str | None:
    return target[len(CUSTOM_PREFIX) :] if target.startswith(CUSTOM_PREFIX) else None


def targets_for(fields: Iterable[CustomField]) -> list[tuple[str, StrOrPromise]]:
    """Every target a column can have in this organization, as (value, label)."""
    choices = [(IGNORE, pgettext("staff", "Don't import")), *STANDARD_TARGETS.items()]
    choices += [
        (CUSTOM_PREFIX + field.key, f"{field.label} (custom.{field.key})") for field in fields
    ]
    return choices


def unknown_custom_target(header: str, fields: Iterable[CustomField]) -> str | None:
    """`custom.<key>` when the header names a custom field this organization doesn't have."""
    header = header.strip()
    if not header.lower().startswith(CUSTOM_PREFIX):
        return None
    key = header[len(CUSTOM_PREFIX) :].strip()
    if not key or header_key(key) in {header_key(field.key) for field in fields}:
        return None
    return CUSTOM_PREFIX + key


def label_columns(headers: list[str]) -> dict[int, int]:
    """Value column → the column holding its label ("Phone 1 - Value" → "Phone 1 - Label")."""
    by_key = {header_key(header): index for index, header in enumerate(headers)}
    pairs = {}
    for index, header in enumerate(headers):
        match = _PAIRED_VALUE.match(header.strip())
        if not match:
            continue
        stem = header_key(match["stem"])
        for word in ("label", "type"):
            if stem + word in by_key:
                pairs[index] = by_key[stem + word]
                break
    return pairs


def _guess(header: str, by_name: dict[str, str]) -> str:
    key = header_key(header)
    if key in by_name:
        return by_name[key]
    if _NOT_A_VALUE.search(key):
        return IGNORE
    if _EMAIL_WORDS.search(header):
        return "other_email"
    if _PHONE_WORDS.search(header):
        kind = phone_kind(header)
        if kind == PhoneKind.NOT_A_PHONE:
            return IGNORE
        return "phone" if kind == PhoneKind.MOBILE else "other_phone"
    return IGNORE


def suggest_mapping(headers: list[str], fields: list[CustomField]) -> dict[str, str]:
    """A first guess from the header names; a single target is never suggested twice."""
    by_name: dict[str, str] = {}
    for target, spellings in SYNONYMS.items():
        for spelling in spellings:
            by_name[header_key(spelling)] = target
    for field in fields:
        # A custom field key or label wins over a synonym: the organization chose it.
        for spelling in (field.key, field.label, CUSTOM_PREFIX + field.key):
            by_name[header_key(spelling)] = CUSTOM_PREFIX + field.key

    guesses = [
        unknown_custom_target(header, fields) or _guess(header, by_name) for header in headers
    ]
    if any(guess in NAME_PARTS for guess in guesses):
        guesses = [
            _NAME_BESIDE_PARTS.get(header_key(header), guess) if guess == "name" else guess
            for header, guess in zip(headers, guesses, strict=True)
        ]
    if "phone" not in guesses:
        # A lone "Phone" or "Telephone" column is the number to text; a Google
        # "Phone 1 - Value" is typed by its label column instead.
        paired = label_columns(headers)
        for index, (header, guess) in enumerate(zip(headers, guesses, strict=True)):
            if guess == "other_phone" and index not in paired:
                if phone_kind(header) == PhoneKind.GENERIC:
                    guesses[index] = "phone"
                break
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, target in enumerate(guesses):
        if target in taken and target not in REPEATABLE:
            # A second "Email"-like column is another email; a second mobile another phone.
            target = {"email": "other_email", "phone": "other_phone"}.get(target, IGNORE)
        taken.add(target)
        mapping[str(index)] = target
    return mapping


def mapping_from_names(
    by_name: dict[str, str], headers: list[str], fields: list[CustomField]
) -> tuple[dict[str, str], list[str]]:
    """An API client's {"column name": target} as a stored mapping, and what is wrong with it.

    Columns it doesn't name are not imported."""
    problems = []
    known = {target for target, _ in targets_for(fields)}
    positions = {header_key(header): index for index, header in enumerate(headers)}
    mapping = {str(index): IGNORE for index in range(len(headers))}
    for name, target in by_name.items():
        index = positions.get(header_key(str(name)))
        if index is None:
            problems.append(f"The file has no column “{name}”.")
        elif target not in known:
            problems.append(
                f"“{target}” (for column “{name}”) is not a target; use one of "
                f"{', '.join(sorted(known))}."
            )
        else:
            mapping[str(index)] = target
    if not problems:
        problems = mapping_errors(mapping, headers)
    return mapping, problems


def mapping_errors(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What stops this mapping from being imported, in words for the mapping page."""
    errors = []
    used: dict[str, str] = {}
    for index, target in sorted(mapping.items(), key=lambda item: int(item[0])):
        if target == IGNORE:
            continue
        header = headers[int(index)] or f"column {int(index) + 1}"
        if target in used and target not in REPEATABLE:
            errors.append(
                f"“{used[target]}” and “{header}” are both mapped to {target_label(target)}; "
                "choose one."
            )
        used.setdefault(target, header)
    if "name" not in used and not any(part in used for part in NAME_PARTS):
        errors.append("Choose the column that holds the contact's name (or first and last name).")
    if not {"phone", "other_phone", "email", "other_email"} & set(used):
        errors.append(
            "Choose a column for the mobile phone or the email (or both): "
            "messages need somewhere to go."
        )
    return errors


def target_label(target: str) -> str:
    return str(STANDARD_TARGETS.get(target) or target)
