import pytest

from hushpost.activity.models import Event, EventKind

pytestmark = pytest.mark.django_db


def test_an_owner_changes_the_company_name_that_notifications_use(alice_client, alice, org_a):
    response = alice_client.post(
        "/settings/organization/",
        {
            "name": "Riverside",
            "company_name": "Riverside Family Clinic",
            "time_zone": "America/Chicago",
            "country": "US",
        },
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    alice.refresh_from_db()
    assert org_a.company_name == "Riverside Family Clinic" and org_a.time_zone == "America/Chicago"
    assert alice.name_and_company == "Alice Lee at Riverside Family Clinic"
    event = Event.objects.get(kind=EventKind.SETTINGS_CHANGED)
    assert event.detail == {
        "settings": "organization",
        "fields": "name, company_name, time_zone",
        "ip": "127.0.0.1",
    }


def test_a_bad_time_zone_is_refused_and_nothing_changes(alice_client, org_a):
    response = alice_client.post(
        "/settings/organization/",
        {"name": "X", "company_name": "Y", "time_zone": "Mars/Base", "country": "US"},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.name == "Riverside Clinic"


def test_a_member_cannot_change_the_organization(bob_client, org_a):
    response = bob_client.post(
        "/settings/organization/",
        {"name": "X", "company_name": "Y", "time_zone": "UTC", "country": "US"},
    )
    assert response.status_code == 403
    org_a.refresh_from_db()
    assert org_a.name == "Riverside Clinic"


def test_name_and_company_reads_naturally_without_a_name(org_a):
    from hushpost.accounts.models import User

    user = User(email="front.desk@riverside.example", organization=org_a)
    assert user.name_and_company == "front.desk@riverside.example at Riverside Clinic"
