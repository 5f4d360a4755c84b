"""Staff two-factor sign-in with an authenticator app (TOTP) and backup codes.

django-otp keeps the devices: one TOTP device ("Authenticator app") that is
active once a code from it has been confirmed, and one static device whose
ten single-use codes are shown once. A session that gave a code is
"verified" (django_otp.login); `required_step` says what a signed-in session
still owes before it may see any staff page.
"""

from __future__ import annotations

import re
from base64 import b32encode

import segno
from django.db import models, transaction
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from hushpost.accounts.models import Organization, User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.activity.sessions import client_ip

BACKUP_CODES = 10
APP_DEVICE = "Authenticator app"
BACKUP_DEVICE = "Backup codes"


class Step(models.TextChoices):
    """What a signed-in session must still do before it may use the staff pages."""

    VERIFY = "verify", "Give a code from the authenticator app or a backup code"
    ENROLL = "enroll", "Set up two-factor (the organization requires it)"


class TwoFactorError(Exception):
    """Refused; the message is written for the person who tried."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def has_two_factor(user: User) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def users_with_two_factor(users) -> set[int]:
    """The ids among `users` (a queryset) that have two-factor on, in one query."""
    return set(
        TOTPDevice.objects.filter(user__in=users, confirmed=True).values_list("user_id", flat=True)
    )


def required_step(user: User) -> Step | None:
    """VERIFY when this session must still give a code, ENROLL when the organization requires
    two-factor and the user has none yet, else None. `user` is request.user (OTPMiddleware's)."""
    if has_two_factor(user):
        is_verified = getattr(user, "is_verified", None)
        return None if is_verified is not None and is_verified() else Step.VERIFY
    if user.organization is not None and user.organization.require_two_factor:
        return Step.ENROLL
    return None


def pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=False).first()


def start_enrollment(user: User) -> TOTPDevice:
    """A new, not yet active authenticator secret (any earlier unconfirmed one is dropped)."""
    if has_two_factor(user):
        # Replacing the app is turning it off (which asks for a code or the password) and on again.
        raise TwoFactorError(
            "Two-factor is already on. To move to a new phone, turn it off first, "
            "then set it up again."
        )
    with transaction.atomic():
        TOTPDevice.objects.devices_for_user(user, confirmed=False).delete()
        return TOTPDevice.objects.create(user=user, name=APP_DEVICE, confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URL as an inline SVG QR code (no script, no image request)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def secret_text(device: TOTPDevice) -> str:
    """The secret for typing into an app by hand, in groups of four."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def verify(user: User, code: str):
    """The device that accepts `code` (an app code or an unused backup code, which is then
    used up), or None. Devices are locked while checking, so a code can't be used twice."""
    code = _clean(code)
    if not code:
        return None
    # Six digits are an app code, anything else a backup code: trying each on
    # the other kind would count a failure there (django-otp backs off after each).
    model = TOTPDevice if re.fullmatch(r"\d{6}", code) else StaticDevice
    with transaction.atomic():
        for device in model.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(code):
                return device
    return None


def complete_sign_in(request, user: User, device) -> None:
    """The second step passed: the session is verified, and only now is the user signed in
    (the password step recorded nothing for them; activity/sessions.py)."""
    otp_login(request, device)
    if user.organization_id:
        record(
            user.organization,
            EventKind.SIGNED_IN,
            actor=user,
            ip=client_ip(request),
            two_factor=True,
        )


def new_backup_codes(user: User) -> list[str]:
    """Ten fresh single-use codes; the old ones stop working. Shown once, never again."""
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
    with transaction.atomic():
        StaticDevice.objects.filter(user=user).delete()
        device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE, confirmed=True)
        StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def backup_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def confirm_enrollment(request, user: User, code: str) -> list[str]:
    """Activate the pending authenticator with a code from it; returns the backup codes.
    The current session counts as verified from now on."""
    device = pending_device(user)
    if device is None or has_two_factor(user):
        raise TwoFactorError("Start again: choose “Set up two-factor” to get a new QR code.")
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not device.verify_token(_clean(code)):
            raise TwoFactorError(
                "That code doesn't match. Check the app shows Hushpost for this account, "
                "and type the six digits it shows now."
            )
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = new_backup_codes(user)
        if user.organization_id:
            record(
                user.organization, EventKind.TWO_FACTOR_ENABLED, actor=user, ip=client_ip(request)
            )
    otp_login(request, device)
    return codes


def check_code_or_password(user: User, value: str) -> bool:
    return verify(user, value) is not None or (bool(value) and user.check_password(value))


def disable(user: User, *, actor: User | None = None, actor_label: str = "", ip: str = "") -> bool:
    """Remove every device; True when there was something to remove."""
    with transaction.atomic():
        removed = (
            TOTPDevice.objects.filter(user=user).delete()[0]
            + StaticDevice.objects.filter(user=user).delete()[0]
        )
        if removed and user.organization_id:
            detail = {"user": user.email}
            if ip:
                detail["ip"] = ip
            record(
                user.organization,
                EventKind.TWO_FACTOR_DISABLED,
                actor=actor,
                actor_label=actor_label,
                **detail,
            )
    return bool(removed)


def set_required(request, actor: User, organization: Organization, required: bool) -> bool:
    """An owner switches "require two-factor" for their organization; True when it changed."""
    if not actor.is_owner or actor.organization_id != organization.pk:
        raise TwoFactorError("Only an owner can change whether two-factor is required.")
    if required and not has_two_factor(actor):
        raise TwoFactorError("Set up two-factor for yourself first, then require it for everyone.")
    with transaction.atomic():
        organization = Organization.objects.select_for_update(no_key=True).get(pk=organization.pk)
        if organization.require_two_factor == required:
            return False
        organization.require_two_factor = required
        organization.save(update_fields=["require_two_factor"])
        record(
            organization,
            EventKind.SETTINGS_CHANGED,
            actor=actor,
            ip=client_ip(request),
            setting="require_two_factor",
            value=required,
        )
    return True
