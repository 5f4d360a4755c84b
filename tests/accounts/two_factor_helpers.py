"""Codes an authenticator app would show, computed from the device's key like the app does."""

import time

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def app_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code for now (or a later 30-second step: a step already used is
    refused, as it should be)."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def secret_code(secret_text: str, steps_ahead: int = 0) -> str:
    """The code from the key as shown on the page (base32 in groups), as someone
    typing it into an app gets."""
    from base64 import b32decode

    raw = secret_text.replace(" ", "")
    key = b32decode(raw + "=" * (-len(raw) % 8))
    totp = TOTP(key, 30, 0, 6, 0)
    totp.time = time.time() + steps_ahead * 30
    return f"{totp.token():06d}"
