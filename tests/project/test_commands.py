import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from hushpost.accounts.models import Organization, Role, User
from hushpost.contacts.models import Contact, CustomField
from hushpost.crypto.keyring import KeyRing
from hushpost.messaging.models import Conversation, SecureMessagingSettings

pytestmark = pytest.mark.django_db


def run(*args):
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_demo_creates_the_demo_organization_once_and_prints_the_sign_in(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    first = run("demo", "--print")
    org = Organization.objects.get(slug="demo")
    owner = User.objects.get(email="demo@example.com")
    password = next(
        line for line in first.splitlines() if line.startswith("password: ")
    ).removeprefix("password: ")
    assert owner.role == Role.OWNER and owner.organization == org
    assert owner.check_password(password)
    assert Contact.objects.for_org(org).count() == 5
    assert set(CustomField.objects.for_org(org).values_list("key", flat=True)) >= {
        "patient_number",
        "portal_pin",
    }
    assert SecureMessagingSettings.objects.for_org(org).default_pin == "{{ custom.portal_pin }}"
    # The demo's PIN field is sensitive: encrypted at rest, still usable as the default PIN.
    assert CustomField.objects.for_org(org).get(key="portal_pin").sensitive
    with_pin = Contact.objects.for_org(org).get(name="Jane Roe")
    assert with_pin.custom["portal_pin"] and "portal_pin" not in with_pin.custom_plain
    # A sample schedule and appointments in office hours over the coming days,
    # spread over two staff members and none.
    from hushpost.appointments.models import Appointment, AutoMessage

    assert {
        (a.channel, a.timing, a.secure) for a in AutoMessage.objects.filter(organization=org)
    } == {("sms", "before_start", True), ("email", "booked", False)}
    appointments = Appointment.objects.filter(organization=org).select_related("staff")
    zone = ZoneInfo(org.time_zone)
    assert appointments.count() >= 6
    for appointment in appointments:
        local = appointment.start.astimezone(zone)
        assert 9 <= local.hour < 17 and appointment.start > timezone.now() - dt.timedelta(hours=1)
        assert local.date() - timezone.now().astimezone(zone).date() <= dt.timedelta(days=4)
    assert {a.staff.email if a.staff else None for a in appointments} == {
        "demo@example.com",
        "ray.patel@example.com",
        None,
    }
    # Two replies wait in the Inbox: Jane's to Dana, and Marco's text to nobody.
    unread = Conversation.objects.for_org(org).unread().select_related("assigned_to", "contact")
    assert {(c.contact.name, c.assigned_to_id) for c in unread} == {
        ("Jane Roe", owner.pk),
        ("Marco Silva", None),
    }
    second = run("demo", "--print")
    assert Organization.objects.count() == 1
    assert f"password: {password}" in second


def test_demo_reset_password_gives_a_new_working_password(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    run("demo")
    output = run("demo", "--reset-password")
    password = output.strip().splitlines()[-1].removeprefix("password: ")
    assert User.objects.get(email="demo@example.com").check_password(password)


def test_create_organization_makes_an_owner_with_a_one_time_password():
    output = run(
        "create-organization",
        "--name",
        "Harbor Law",
        "--slug",
        "harbor",
        "--owner-email",
        "Owner@Harbor.example",
        "--time-zone",
        "Europe/London",
        "--country",
        "gb",
    )
    password = output.strip().splitlines()[-1].removeprefix("password: ")
    owner = User.objects.get(email="owner@harbor.example")
    assert owner.check_password(password) and owner.role == Role.OWNER
    assert owner.organization.country == "GB" and owner.organization.company_name == "Harbor Law"


@pytest.mark.parametrize(
    "args, message",
    [
        (["--time-zone", "Mars/Base"], "--time-zone: Mars/Base is not a known time zone"),
        (["--country", "XX"], "--country: XX is not a two-letter country code"),
    ],
)
def test_create_organization_says_what_is_wrong_and_stores_nothing(args, message):
    with pytest.raises(CommandError, match=message):
        run(
            "create-organization",
            "--name",
            "X",
            "--slug",
            "x",
            "--owner-email",
            "x@x.example",
            *args,
        )
    assert not Organization.objects.exists() and not User.objects.exists()


def test_generate_key_prints_a_key_the_ring_accepts():
    key = run("generate-key").strip()
    assert KeyRing.parse(f"k1:{key}").current_id == "k1"
