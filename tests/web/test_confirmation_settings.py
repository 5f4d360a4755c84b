"""The Confirmations settings page: owners and admins change the words and answers."""

import pytest

from hushpost.appointments.models import ConfirmationSettings

pytestmark = pytest.mark.django_db

URL = "/settings/confirmations/"


def form(**changes):
    data = {
        "confirm_words": "C\nYES\nSí",
        "cancel_words": "N, NO",
        "window_days": "5",
        "reminded_only": "on",
        "confirmed_answer": "Thanks, {{ contact.first_name }}",
        "cancel_answer": "",
        "late_answer": "Too late",
    }
    return {**data, **changes}


def test_it_shows_the_built_in_words(alice_client):
    page = alice_client.get(URL).content.decode()
    assert "OUI" in page and "NEIN" in page and "Confirmations" in page


def test_an_owner_saves_the_words_and_answers(alice_client, org_a):
    response = alice_client.post(URL, form())
    assert response.status_code == 302
    saved = ConfirmationSettings.objects.get(organization=org_a)
    assert (saved.confirm_words, saved.cancel_words) == ("C\nYES\nSí", "N\nNO")
    assert saved.window_days == 5
    assert saved.reminded_only is True and saved.cancel_directly is False


def test_twilios_keywords_and_unknown_fields_are_refused_on_the_form(alice_client):
    response = alice_client.post(
        URL, form(cancel_words="STOP", confirmed_answer="{{ appointment.nope }}")
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Twilio" in page and "nope" in page
    assert not ConfirmationSettings.objects.exists()


def test_members_can_not_change_it(bob_client):
    assert bob_client.post(URL, form()).status_code in (302, 403)
    assert not ConfirmationSettings.objects.exists()
