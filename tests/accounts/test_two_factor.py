"""Two-factor sign-in: enrolling on the Security page, the second step after the
password, backup codes, turning it off, owners requiring it, and the reset command."""

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hushpost.accounts import two_factor
from hushpost.activity.models import Event, EventKind
from tests.accounts.two_factor_helpers import app_code, secret_code
from tests.conftest import PASSWORD
from tests.web.test_tenant_isolation import fill, staff_patterns

pytestmark = pytest.mark.django_db


def sign_in(client, user, password=PASSWORD, ip="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": user.email, "password": password}, REMOTE_ADDR=ip
    )


def enroll(client, user) -> list[str]:
    """Set up two-factor through the Security page; returns the backup codes it showed."""
    client.post("/security/", {"action": "start"})
    page = client.get("/security/").content.decode()
    secret = re.search(r'<code id="totp-secret">([A-Z2-7 ]+)</code>', page).group(1)
    response = client.post("/security/", {"action": "confirm", "code": secret_code(secret)})
    assert response.status_code == 200, response.content
    return re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())


@pytest.fixture
def alice_with_two_factor(alice, client):
    client.force_login(alice)
    codes = enroll(client, alice)
    client.post("/accounts/logout/")
    return alice, codes


def test_enrolling_shows_a_qr_code_and_the_key_and_needs_a_code_to_turn_on(alice_client, alice):
    alice_client.post("/security/", {"action": "start"})
    page = alice_client.get("/security/").content.decode()
    assert "<svg" in page and "<script" not in page.split("<main", 1)[1]
    assert re.search(r'<code id="totp-secret">[A-Z2-7 ]{20,}</code>', page)
    assert not two_factor.has_two_factor(alice)
    wrong = alice_client.post("/security/", {"action": "confirm", "code": "000000"})
    assert "That code doesn" in wrong.content.decode()
    assert not two_factor.has_two_factor(alice)


def test_confirming_turns_it_on_and_shows_ten_backup_codes_once(alice_client, alice):
    codes = enroll(alice_client, alice)
    assert len(codes) == len(set(codes)) == 10
    assert two_factor.has_two_factor(alice)
    again = alice_client.get("/security/").content.decode()
    assert not any(code in again for code in codes)
    assert "Backup codes left: <strong>10</strong>" in again
    event = Event.objects.get(kind=EventKind.TWO_FACTOR_ENABLED)
    assert event.actor == alice and event.detail["ip"]
    # The session that enrolled counts as verified: the staff pages stay open.
    assert alice_client.get("/contacts/").status_code == 200


def test_the_password_alone_reaches_no_staff_page(client, alice_with_two_factor, org_b, mallory):
    alice, _ = alice_with_two_factor
    response = sign_in(client, alice)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    for route, _ in staff_patterns():
        # Each parameter by its converter: a route may mix a uuid and an int.
        url = fill(
            route,
            {
                name: "00000000-0000-0000-0000-000000000001" if converter == "uuid" else 1
                for converter, name in re.findall(r"<(\w+):(\w+)>", route)
            },
        )
        got = client.get(url)
        assert got.status_code == 302 and got["Location"].startswith("/accounts/two-factor/"), (
            f"GET {url}"
        )
        posted = client.post(url, {"action": "disable", "disable-secret": PASSWORD})
        assert posted.status_code == 302 and posted["Location"].startswith(
            "/accounts/two-factor/"
        ), f"POST {url}"
    assert two_factor.has_two_factor(alice)


def test_the_code_after_the_password_opens_the_staff_pages(client, alice_with_two_factor):
    alice, _ = alice_with_two_factor
    sign_in(client, alice)
    device = TOTPDevice.objects.get(user=alice)
    response = client.post(
        "/accounts/two-factor/?next=/inbox/",
        {"code": app_code(device, steps_ahead=1), "next": "/inbox/"},
    )
    assert response.status_code == 302 and response["Location"] == "/inbox/"
    assert client.get("/contacts/").status_code == 200


def test_signed_in_is_logged_only_once_the_code_is_accepted(
    client, alice_with_two_factor, settings
):
    settings.OTP_TOTP_THROTTLE_FACTOR = (
        0  # the right code right after a wrong one (throttling is django-otp's)
    )
    alice, codes = alice_with_two_factor
    before = Event.objects.filter(
        kind=EventKind.SIGNED_IN
    ).count()  # alice_client's force_login, before enrolling
    sign_in(client, alice, ip="203.0.113.7")
    assert (
        Event.objects.filter(kind=EventKind.SIGNED_IN).count() == before
    )  # the password alone signs no one in
    client.post("/accounts/two-factor/", {"code": "123456"}, REMOTE_ADDR="203.0.113.7")
    assert Event.objects.filter(kind=EventKind.SIGNED_IN).count() == before
    assert Event.objects.get(kind=EventKind.SIGN_IN_FAILED).detail["step"] == "two_factor"
    code = app_code(TOTPDevice.objects.get(user=alice), steps_ahead=1)
    assert (
        client.post("/accounts/two-factor/", {"code": code}, REMOTE_ADDR="203.0.113.8").status_code
        == 302
    )
    event = Event.objects.filter(kind=EventKind.SIGNED_IN).latest("id")
    assert Event.objects.filter(kind=EventKind.SIGNED_IN).count() == before + 1
    assert (event.actor, event.organization, event.detail) == (
        alice,
        alice.organization,
        {"ip": "203.0.113.8", "two_factor": True},
    )
    assert code not in str(event.detail)
    # A backup code completes it the same way, and the code stays out of the log.
    client.post("/accounts/logout/")
    sign_in(client, alice)
    assert client.post("/accounts/two-factor/", {"code": codes[0]}).status_code == 302
    assert Event.objects.filter(kind=EventKind.SIGNED_IN, detail__two_factor=True).count() == 2
    assert not any(codes[0] in str(e.detail) for e in Event.objects.all())


def test_a_used_code_is_refused_the_second_time(client, alice_with_two_factor):
    alice, _ = alice_with_two_factor
    device = TOTPDevice.objects.get(user=alice)
    code = app_code(device, steps_ahead=1)
    sign_in(client, alice)
    assert client.post("/accounts/two-factor/", {"code": code}).status_code == 302
    client.post("/accounts/logout/")
    sign_in(client, alice)
    again = client.post("/accounts/two-factor/", {"code": code})
    assert again.status_code == 200 and "That code doesn" in again.content.decode()


def test_a_backup_code_works_once(client, alice_with_two_factor):
    alice, codes = alice_with_two_factor
    sign_in(client, alice)
    assert client.post("/accounts/two-factor/", {"code": codes[0].upper()}).status_code == 302
    assert StaticToken.objects.filter(device__user=alice).count() == 9
    client.post("/accounts/logout/")
    sign_in(client, alice)
    assert client.post("/accounts/two-factor/", {"code": codes[0]}).status_code == 200


def test_wrong_codes_are_logged_and_lock_like_wrong_passwords(
    client, alice_with_two_factor, settings
):
    settings.HUSHPOST_SIGNIN_ACCOUNT_FAILURES = 3
    alice, _ = alice_with_two_factor
    sign_in(client, alice)
    for _ in range(2):
        assert client.post("/accounts/two-factor/", {"code": "123456"}).status_code == 200
    locked = client.post("/accounts/two-factor/", {"code": "123456"})
    assert (
        locked.status_code == 429 and "Too many failed sign-in attempts" in locked.content.decode()
    )
    # Even the right code waits for the lock to end.
    right = client.post(
        "/accounts/two-factor/", {"code": app_code(TOTPDevice.objects.get(user=alice), 1)}
    )
    assert right.status_code == 429
    assert client.get("/contacts/").status_code == 302
    failed = Event.objects.filter(kind=EventKind.SIGN_IN_FAILED, detail__step="two_factor")
    assert failed.count() == 3 and all("123456" not in str(event.detail) for event in failed)
    assert Event.objects.filter(kind=EventKind.SIGN_IN_LOCKED).count() == 1


def test_turning_it_off_needs_a_code_or_the_password(alice_client, alice):
    enroll(alice_client, alice)
    refused = alice_client.post("/security/", {"action": "disable", "disable-secret": "not it"})
    assert "neither a current code nor your password" in refused.content.decode()
    assert two_factor.has_two_factor(alice)
    alice_client.post("/security/", {"action": "disable", "disable-secret": PASSWORD})
    assert not two_factor.has_two_factor(alice)
    assert StaticToken.objects.filter(device__user=alice).count() == 0
    assert Event.objects.get(kind=EventKind.TWO_FACTOR_DISABLED).actor == alice


def test_new_backup_codes_replace_the_old_ones(alice_client, alice):
    old = enroll(alice_client, alice)
    response = alice_client.post("/security/", {"action": "new_codes", "codes-secret": PASSWORD})
    new = re.findall(r"<li><code>([a-z2-7]{8})</code></li>", response.content.decode())
    assert len(new) == 10 and not set(new) & set(old)
    assert set(
        StaticToken.objects.filter(device__user=alice).values_list("token", flat=True)
    ) == set(new)


def test_an_owner_requires_it_and_a_member_without_it_must_enroll_before_anything_else(
    client, alice, bob
):
    client.force_login(alice)
    refused = client.post("/security/", {"action": "require", "required": "on"}, follow=True)
    assert "Set up two-factor for yourself first" in refused.content.decode()
    enroll(client, alice)
    client.post("/security/", {"action": "require", "required": "on"})
    alice.organization.refresh_from_db()
    assert alice.organization.require_two_factor
    event = Event.objects.get(kind=EventKind.SETTINGS_CHANGED, detail__setting="require_two_factor")
    assert event.actor == alice
    client.post("/accounts/logout/")

    response = sign_in(client, bob)
    assert response["Location"] == "/security/"
    for url in ("/contacts/", "/inbox/", "/compose/", "/users/"):
        assert client.get(url)["Location"] == "/security/", url
    page = client.get("/security/").content.decode()
    assert "requires two-factor sign-in" in page and 'aria-label="Main"' not in page
    enroll(client, bob)
    assert client.get("/contacts/").status_code == 200


def test_only_an_owner_can_require_it(bob_client, bob):
    assert bob_client.post("/security/", {"action": "require", "required": "on"}).status_code == 403
    bob.organization.refresh_from_db()
    assert not bob.organization.require_two_factor


def test_the_users_page_shows_who_has_it(alice_client, alice, bob):
    enroll(alice_client, alice)
    page = alice_client.get("/users/").content.decode()
    assert page.count('data-label="Two-factor">On<') == 1


def test_the_operator_resets_a_users_two_factor(alice_with_two_factor, client):
    alice, _ = alice_with_two_factor
    out = io.StringIO()
    call_command("reset-two-factor", "--email", "ALICE@riverside.example", stdout=out)
    assert "reset for alice@riverside.example" in out.getvalue()
    assert not two_factor.has_two_factor(alice)
    assert Event.objects.filter(
        kind=EventKind.TWO_FACTOR_DISABLED, actor_label__startswith="operator"
    ).exists()
    assert sign_in(client, alice).status_code == 302 and client.get("/contacts/").status_code == 200
    with pytest.raises(CommandError, match="has no two-factor"):
        call_command("reset-two-factor", "--email", alice.email)
    with pytest.raises(CommandError, match="No staff user"):
        call_command("reset-two-factor", "--email", "nobody@example.com")


def test_the_app_cant_be_swapped_without_turning_it_off(alice_client, alice):
    enroll(alice_client, alice)
    key = TOTPDevice.objects.get(user=alice, confirmed=True).key
    refused = alice_client.post("/security/", {"action": "start"}, follow=True)
    assert "Two-factor is already on" in refused.content.decode()
    assert not TOTPDevice.objects.filter(user=alice, confirmed=False).exists()
    # Even a pending secret planted some other way can't replace the active one.
    planted = TOTPDevice.objects.create(user=alice, name="planted", confirmed=False)
    alice_client.post("/security/", {"action": "confirm", "code": app_code(planted)})
    planted.refresh_from_db()
    assert not planted.confirmed and TOTPDevice.objects.get(user=alice, confirmed=True).key == key
