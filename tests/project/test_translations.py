"""The translation catalogs in hushpost/locale/: one per contact language, every entry
translated (texts only the staff app shows: in the staff languages), nothing fuzzy,
placeholders intact, and nothing `makemessages` would add.

The last check runs Django's real `makemessages` (GNU xgettext) over a copy of
the code, so a new {% translate %} nobody translated fails here, not in front of
a contact.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from django.utils.translation import to_locale

from hushpost.catalogs import LOCALE_DIR, po_files
from hushpost.languages import LANGUAGES, STAFF_LANGUAGES

REPO = LOCALE_DIR.parent.parent
STAFF_APP = "web/"
# Texts of other apps that only staff read (the choices' labels of the models,
# problems the staff app shows) carry this context: pgettext_lazy("staff", …).
STAFF_CONTEXT = "staff"
STAFF_LOCALES = {to_locale(code) for code, _ in STAFF_LANGUAGES}
# %(name)s / %(count)d and the template's {{ field }}: what must come through a translation.
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{\{\s*[\w.]+\s*\}\}")


def catalogs():
    for po in po_files():
        with po.open("rb") as source:
            yield po.parent.parent.name, read_po(source, abort_invalid=True)


def placeholders(text: str) -> list[str]:
    return sorted(m.group(0).replace(" ", "") for m in PLACEHOLDER.finditer(text))


def test_there_is_a_catalog_for_every_contact_language_but_english():
    expected = {to_locale(code) for code, _ in LANGUAGES if code != "en"}
    assert {po.parent.parent.name for po in po_files()} == expected


def staff_only(message) -> bool:
    """A text only the staff app shows: it needs translating only into the staff languages."""
    if message.context == STAFF_CONTEXT:
        return True
    return bool(message.locations) and all(
        path.startswith(STAFF_APP) for path, _line in message.locations
    )


def test_no_entry_is_missing_or_fuzzy():
    problems = []
    for lang, catalog in catalogs():
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            needed = lang in STAFF_LOCALES or not staff_only(message)
            if needed and not all(s.strip() for s in strings):
                problems.append(f"{lang}: untranslated {message.id!r}")
            if message.fuzzy:
                problems.append(f"{lang}: fuzzy {message.id!r}")
            if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
                problems.append(f"{lang}: {len(strings)} plural forms for {message.id[0]!r}")
    assert problems == []


def test_placeholders_are_those_of_the_english():
    problems = []
    for lang, catalog in catalogs():
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if not any(strings):
                continue  # a staff-only text, untranslated here (the test above)
            if isinstance(message.id, tuple):
                wanted = set(placeholders(message.id[1]))
                for form in message.string:
                    # A plural form may spell its number out ("دقيقتين", two minutes),
                    # but may never bring a placeholder the English doesn't fill.
                    if not set(placeholders(form)) <= wanted:
                        problems.append(f"{lang}: {form!r}")
                if not any(set(placeholders(form)) == wanted for form in message.string):
                    problems.append(f"{lang}: no form of {message.id[0]!r} keeps {wanted}")
            elif placeholders(message.string) != placeholders(message.id):
                problems.append(f"{lang}: {message.string!r}")
    assert problems == []


def test_the_english_of_every_entry_is_not_copied_as_its_translation():
    # An entry "translated" by pasting the English passes the other checks.
    allowed = {"PIN", "Webhooks", "API", "Agenda"}  # the same word in Spanish
    problems = [
        f"{lang}: {message.id!r}"
        for lang, catalog in catalogs()
        for message in catalog
        if message.id
        and not isinstance(message.id, tuple)
        and message.string == message.id
        and message.id not in allowed
    ]
    assert problems == []


def test_makemessages_finds_nothing_new(tmp_path):
    if not shutil.which("xgettext"):
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is missing: .ci/run installs it")
        pytest.skip("needs GNU gettext's xgettext (apt-get install gettext)")
    copy = tmp_path / "hushpost"
    shutil.copytree(
        REPO / "hushpost",
        copy,
        ignore=shutil.ignore_patterns("__pycache__", "*.mo", "static"),
    )
    env = {**os.environ, "HUSHPOST_DATA_DIR": str(tmp_path / "data")}
    # The same command as `make messages`, in the copy: its settings point at the copy.
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "--settings=hushpost.settings",
            "--all",
            "--no-obsolete",
            "--add-location",
            "file",
            "--ignore",
            "locale/*",
        ],
        cwd=copy,
        env={**env, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    for po in po_files():
        fresh = copy / po.relative_to(REPO / "hushpost")
        with po.open("rb") as a, fresh.open("rb") as b:
            ours, theirs = read_po(a), read_po(b)
        # An entry is its text and its context ("staff"): the same text may be both.
        new = sorted(str(m.id) for m in theirs if m.id and not ours.get(m.id, m.context))
        gone = sorted(str(m.id) for m in ours if m.id and not theirs.get(m.id, m.context))
        assert (new, gone) == ([], []), f"run `make messages` and translate: {po}"
        untranslated = [
            str(m.id)
            for m in theirs
            if m.id
            and not m.string
            and (po.parent.parent.name in STAFF_LOCALES or not staff_only(m))
        ]
        assert untranslated == [], f"{po}: makemessages left these untranslated"
