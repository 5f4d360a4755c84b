"""/settings/confirmations: the built-in words, an organization's own, and refusals."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import ConfirmationSettings
from tests.api.helpers import field_errors

pytestmark = pytest.mark.django_db

URL = "settings/confirmations"


def test_it_gets_the_built_in_words_of_every_language(api):
    got = api.get(URL).json()
    assert {"C", "Y", "YES", "CONFIRM", "SÍ", "OUI", "JA"} <= set(got["confirm_words"])
    assert {"N", "NO", "R", "NON", "NEIN"} <= set(got["cancel_words"])
    assert "CANCEL" not in got["cancel_words"]
    assert (got["window_days"], got["reminded_only"], got["cancel_directly"]) == (7, True, False)
    assert got["confirmed_answer"].startswith("Thanks, {{ contact.first_name }}")


def test_put_saves_an_organizations_own_words_and_logs_the_names(api, org_a):
    body = {**api.get(URL).json(), "confirm_words": ["1", "Bien"], "window_days": 3}
    response = api.put(URL, body)
    assert response.status_code == 200, response.content
    assert response.json() == body
    assert ConfirmationSettings.objects.get(organization=org_a).confirm_words == "1\nBien"
    event = Event.objects.get(kind=EventKind.SETTINGS_CHANGED)
    assert (event.detail["section"], event.detail["fields"]) == (
        "confirmations",
        "confirm_words, window_days",
    )


def test_twilios_words_a_word_in_both_lists_and_bad_templates_are_refused(api):
    body = {
        **api.get(URL).json(),
        "confirm_words": ["C", "start"],
        "cancel_words": ["Cancel", "c"],
        "window_days": 0,
        "confirmed_answer": "See you {{ appointment.when }}",
    }
    errors = field_errors(api.put(URL, body))
    assert set(errors) == {"confirm_words", "cancel_words", "window_days", "confirmed_answer"}
    assert "Twilio" in errors["confirm_words"]
    assert not ConfirmationSettings.objects.exists()
