"""The staff app in Spanish, page by page: a Spanish-speaking owner sees no English.

Every staff page (tests/web/staff_walk.py walks the URLconf's staff routes with
real rows behind them) is requested as a Spanish-speaking owner, and the forms
are sent empty too so their errors show. A text node fails the test when it is
the English of an entry the Spanish catalog translates, or when it holds a
common English word that only data of the fixtures (names, message bodies)
may bring. An English-speaking colleague sees the same pages in English.
"""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from django.test import Client
from django.urls import reverse

from hushpost.accounts.models import Role, User
from hushpost.catalogs import LOCALE_DIR
from tests.a11y.tour import clinic, staff_user
from tests.conftest import PASSWORD
from tests.web.staff_walk import NOT_PAGES, all_staff_pages, staff_route_names, visible_texts

pytestmark = pytest.mark.django_db

# Words of English prose that Spanish text never holds (Spanish "no", "a", "me",
# "son" and loanwords such as PIN, API, CSV, SMS, webhook are left out on purpose),
# and the English names of the contact languages ("English" is left out: the staff
# language picker names each language in itself).
ENGLISH_WORDS = set(
    """the and of to your you is are was were will with for this that these those not or
    on in by from when what who which where there here has have had been be can can't
    don't isn't an at as if yet only more than their they them it its add edit delete save
    cancel send search show back all none every new sent reply replies today tomorrow
    yesterday contact contacts appointment appointments message messages link links settings
    sign password staff user users key keys secure status open opened page field fields
    template templates name phone email week day days hour hours minute minutes before after
    failed delivered queued scheduled confirmed cancelled owner admin member none yes off
    nothing shown spanish french german portuguese italian dutch polish chinese vietnamese
    arabic""".split()
)
# A word starts at a word boundary: the letters inside an id ("316788be-…") are not words.
WORD = re.compile(r"\b[^\W\d_][\w']*")
# A time zone as the zone pickers list it ("America/New York (UTC−05:00)"): a name, not prose.
ZONE_OPTION = re.compile(r"^[A-Z][\w/ +-]*/[\w/ +-]+ \(UTC[^)]*\)$")

# Data the fixtures put on the pages, as typed by a person: never translated.
DATA = [
    "Riverside Clinic",
    "Jane Roe",
    "Sam Poe",
    "Kim Lo",
    "Dana Demo",
    "Check-up",
    "Main Street clinic",
    "Patient number",
    "patient_number",
    "See you soon.",
    "Your test results are ready: all clear. Call us if you have questions.",
    "Thank you! Can I book a follow-up?",
    "Thank you, I will call on Monday.",
    "See you {{ appointment.start_date }} at {{ appointment.start_time }}.",
    "Monday to Friday, 8 am to 6 pm",
    "The last four digits of your phone number",
    "Front desk calendar",
    "Front desk",
    "Ana Ruiz",
    "Luis Paz",
    "No Phone",
    "results.pdf",
    "contacts.csv",
    "CRM",
    # Names of products and the literal column names a CSV file may use.
    "Google Contacts",
    "Google Calendar",
    "start, end, title, location, status, staff_email, external_id",
]

# Forms sent empty (or with a value that is refused), so their errors show in Spanish.
REFUSED_POSTS = {
    "contact_new": {"name": "", "email": "not an email"},
    "appointment_new": {},
    "auto_message_new": {"channel": "sms", "body": ""},
    "field_new": {"label": ""},
    "user_new": {"email": "not an email"},
    "organization": {"name": ""},
    "preferences": {"language": "ar"},
    "compose": {"body": ""},
    "api_keys": {"name": ""},
    "webhooks": {"url": "not a url"},
    "calendar_feeds": {"url": "not a url"},
    "import_new": {},
    "confirmation_settings": {"reply_words_confirm": ""},
    "secure_settings": {"subject": "", "body": ""},
}


# Fragments the pages fetch with a POST of the form being written (htmx previews).
PREVIEWS = {
    "compose_preview": {"channel": "sms", "body": "Hola {{ contact.name }}", "secure": "on"},
    "auto_message_preview": {"channel": "sms", "timing": "before_start", "body": "Hola"},
    "auto_message_preview_existing": {"channel": "sms", "timing": "before_start", "body": "Hola"},
    "secure_settings_preview": {"subject": "Aviso", "body": "{{ secure_link }}"},
}


def spanish_catalog() -> dict[str, str]:
    """English → Spanish of every entry whose Spanish differs from its English."""
    with (LOCALE_DIR / "es" / "LC_MESSAGES" / "django.po").open("rb") as source:
        catalog = read_po(source)
    pairs = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for english, spanish in zip(ids, strings, strict=False):
            if spanish and spanish != english:
                pairs[english] = spanish
    return pairs


def english_in(text: str, catalog: dict[str, str]) -> str | None:
    """Why `text` is English, or None."""
    if text in catalog and len(text) > 3:
        return "an English entry of the catalog"
    if ZONE_OPTION.match(text):
        return None
    rest = text
    for value in DATA:
        rest = rest.replace(value, " ")
    # Addresses, template syntax and the names of fields and values templates use
    # ({{ … }}, {% if %}, contact.*, «cancel_requested») are not prose.
    rest = re.sub(
        r"\S+@\S+|https?://\S+|\{\{[^}]*\}\}|\{%[^%]*%\}|\b[\w.]+_[\w.]+\b|\b\w+\.\*|«[a-z_]+»",
        " ",
        rest,
    )
    # Words in capitals are keywords (STOP, HELP) and country codes (IT, IN), not prose.
    words = [w for w in WORD.findall(rest) if w.lower() in ENGLISH_WORDS and not w.isupper()]
    return f"English words {words}" if words else None


@pytest.fixture
def spanish_owner():
    user = staff_user()
    user.language = "es"
    user.save()
    return user


def walk(client: Client, user, receiver, *, post: bool):
    pages = all_staff_pages(clinic(), user, receiver.url)
    walked = {name for name, _ in pages}
    missing = staff_route_names() - walked - set(NOT_PAGES)
    assert missing == set(), f"staff routes neither walked nor listed in NOT_PAGES: {missing}"
    for name, path in pages:
        response = client.post(path, PREVIEWS[name]) if name in PREVIEWS else client.get(path)
        assert response.status_code == 200, f"{name}: {response.status_code}"
        yield name, response
        if post and name in REFUSED_POSTS:
            refused = client.post(path, REFUSED_POSTS[name])
            assert refused.status_code in {200, 400}, f"{name} POST: {refused.status_code}"
            yield f"{name} (refused)", refused


def test_every_staff_page_is_in_spanish_for_a_spanish_speaking_owner(
    client, spanish_owner, receiver
):
    client.force_login(spanish_owner)
    catalog = spanish_catalog()
    found = []
    pages = 0
    seen: dict[str, list[str]] = {}
    for name, response in walk(client, spanish_owner, receiver, post=True):
        pages += 1
        assert response["Content-Language"] == "es", name
        if name in {"import_detail", "link_revoke", "api_keys"}:
            seen[name] = visible_texts(response.content.decode())
        for text in visible_texts(response.content.decode()):
            why = english_in(text, catalog)
            if why:
                found.append(f"{name}: {text!r} ({why})")
    assert found == []
    assert pages > 60
    # The import report's stored English reasons and warnings are shown in Spanish.
    for spanish in (
        "sin teléfono ni correo electrónico",
        "duplicado: la fila 2 de este archivo tiene el mismo teléfono móvil",
        "correo electrónico no válido",
        "Fijo: no es un número de teléfono válido; no se importó",
        "más celdas (6) que columnas (4); revise las comillas",
    ):
        assert spanish in seen["import_detail"], spanish
    # Short words agree with what they describe: a link (enlace) is "Creado", a key "Creada".
    assert "Creado" in seen["link_revoke"] and "Creada" not in seen["link_revoke"]
    assert "Creada" in seen["api_keys"]


def test_the_login_page_and_errors_follow_the_staff_language():
    client = Client(HTTP_ACCEPT_LANGUAGE="es")
    catalog = spanish_catalog()
    for path in ("/accounts/login/", "/accounts/password-reset/", "/accounts/password-reset/sent/"):
        html = client.get(path).content.decode()
        assert [t for t in visible_texts(html) if english_in(t, catalog)] == [], path
    refused = client.post("/accounts/login/", {"username": "x@example.com", "password": "no"})
    assert [t for t in visible_texts(refused.content.decode()) if english_in(t, catalog)] == []


def test_an_english_speaking_colleague_still_sees_english(client, receiver):
    user = staff_user()
    assert user.language == "en"
    client.force_login(user)
    catalog = spanish_catalog()
    spanish = {s for s in catalog.values() if len(s) > 12}
    english_seen = 0
    for name, response in walk(client, user, receiver, post=False):
        assert response["Content-Language"] == "en", name
        texts = visible_texts(response.content.decode())
        assert [t for t in texts if t in spanish] == [], name
        english_seen += sum(1 for t in texts if t in catalog)
    assert english_seen > 300


def test_a_sentence_around_a_link_keeps_spanish_word_order(client, org_a):
    # Translated whole, link markup included, so Spanish can put "Primero" first.
    owner = User.objects.create_user(
        "lola@riverside.example", PASSWORD, organization=org_a, role=Role.OWNER, language="es"
    )
    client.force_login(owner)
    html = client.get(reverse("web:compose")).content.decode()
    assert (
        f'Aún no hay contactos. Primero <a href="{reverse("web:contact_new")}">añada uno</a> o '
        f'<a href="{reverse("web:import_new")}">importe un archivo CSV</a>.'
    ) in html
    html = client.get(reverse("web:inbox")).content.decode()
    assert (
        "Aún no hay conversaciones. Empiezan cuando usted "
        f'<a href="{reverse("web:compose")}">envía un mensaje a un contacto</a>.'
    ) in html
