"""Import row reasons: stored in English, shown in the staff member's language."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.functional import Promise

from hushpost.imports import reason_texts
from hushpost.imports.reason_texts import english, shown

DEFINITIONS = {
    name: value for name, value in vars(reason_texts).items() if isinstance(value, Promise)
}
# Values a producer may put in a placeholder; "problem" holds another definition.
SAMPLE = {
    "max": 200,
    "column": "Home Phone",
    "problem": english(reason_texts.PHONE_INVALID),
    "count": 2,
    "source": "Mobile Phone",
    "key": "patient_number",
    "field": "Birthday",
    "cells": 5,
    "columns": 3,
    "number": 4,
    "first": "row 2",
    "index": 3,
    "zone": "Mars/Base",
    "fallback": "Europe/Madrid",
    "error": "KeyError",
    "uid": "5q0v2b8k@google.com",
    "last": "2027-03-03",
    "organization_zone": "America/New_York",
}


def filled(text: Promise) -> str:
    template = english(text)
    params = {name: value for name, value in SAMPLE.items() if f"%({name})s" in template}
    return english(text, **params)


@pytest.mark.parametrize("name", sorted(DEFINITIONS))
def test_each_stored_reason_is_shown_in_spanish_and_unchanged_in_english(name):
    stored = filled(DEFINITIONS[name])
    with translation.override("en"):
        assert shown(stored) == stored
    with translation.override("es"):
        spanish = shown(stored)
    assert spanish != stored, f"{name} has no Spanish, or does not match its own text"
    # The values the producer filled in come through into the Spanish text.
    template = english(DEFINITIONS[name])
    for placeholder, value in SAMPLE.items():
        if f"%({placeholder})s" in template and placeholder != "problem":
            assert str(value) in spanish, (name, value)


def test_a_nested_problem_is_translated_too():
    stored = english(
        reason_texts.PHONE_NOT_IMPORTED,
        column="Fijo",
        problem=english(reason_texts.PHONE_EXTENSION),
    )
    with translation.override("es"):
        assert shown(stored) == (
            "Fijo: tiene una extensión, a la que no llega un mensaje de texto; "
            "indique un número directo o móvil; no se importó"
        )


def test_a_text_no_definition_matches_is_shown_as_stored():
    # E.g. a validation message of another app, passed on by the appointment importer.
    with translation.override("es"):
        assert shown("Enter a valid phone number") == "Enter a valid phone number"
        assert shown("bad phone (something new)") == "bad phone (something new)"


def test_a_calendar_files_notes_are_whole_spanish_sentences():
    open_ended = english(
        reason_texts.SERIES_MANY_OPEN,
        uid="abc@google.com",
        count=8,
        first="2027-01-04",
        last="2027-03-03",
    )
    # The English the API and the CLI give, as before.
    assert open_ended == (
        "Series abc@google.com: 8 occurrences from 2027-01-04 to 2027-03-03 "
        "(open-ended: later ones are added as time goes on)."
    )
    with translation.override("es"):
        assert shown(open_ended) == (
            "Serie abc@google.com: 8 repeticiones del 2027-01-04 al 2027-03-03 "
            "(sin fin: las siguientes se añaden con el tiempo)."
        )
        closed = english(reason_texts.SERIES_ONE, uid="x@y", first="2027-01-04", last="2027-01-04")
        assert shown(closed) == "Serie x@y: 1 repetición del 2027-01-04 al 2027-01-04."
