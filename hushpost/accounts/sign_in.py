"""Sign-in protection: failed passwords and two-factor codes are counted per
account and per client IP, and enough of them lock sign-in for a while.

The same rules apply whether or not an email has an account (the counter is
keyed by what was typed), so neither the answer nor the lock reveals which
addresses exist. Events are recorded only for real accounts, on their
organization, with the client IP and never the password or code typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from hushpost.accounts import throttle
from hushpost.accounts.models import User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.activity.sessions import client_ip


class FailedStep(models.TextChoices):
    """Which step of signing in a failure was at (the `sign_in_failed` event says so)."""

    PASSWORD = "password", "Password"
    TWO_FACTOR = "two_factor", "Two-factor code at sign-in"
    TWO_FACTOR_CHANGE = "two_factor_change", "Two-factor code to change two-factor"


class LockScope(models.TextChoices):
    """What a sign-in lock is counted by (the `sign_in_locked` event says so)."""

    ACCOUNT = "account", "The email address typed"
    IP = "ip", "The client's IP address"


def _window() -> int:
    return settings.HUSHPOST_SIGNIN_WINDOW_MINUTES * 60


def account_limit() -> throttle.Limit:
    return throttle.Limit("signin-account", settings.HUSHPOST_SIGNIN_ACCOUNT_FAILURES, _window())


def ip_limit() -> throttle.Limit:
    return throttle.Limit("signin-ip", settings.HUSHPOST_SIGNIN_IP_FAILURES, _window())


def normalize(email: str | None) -> str:
    return (email or "").strip().lower()


@dataclass(frozen=True)
class Lock:
    until: datetime

    @property
    def notice(self) -> str:
        minutes = max(1, round((self.until - timezone.now()).total_seconds() / 60))
        return (
            "Too many failed sign-in attempts. For your security, signing in is paused: "
            f"try again after {self.until:%H:%M} UTC "
            f"(in about {minutes} minute{'s' if minutes != 1 else ''}). "
            "If you forgot your password, “Forgot your password?” sends you a link."
        )

    @property
    def reset_notice(self) -> str:
        return (
            "Too many password reset requests for this address or from your network. "
            f"Try again after {self.until:%H:%M} UTC. If an email is on its way, "
            "its link works for a few hours."
        )


def lock_for(request, email: str) -> Lock | None:
    """The lock in force for this email or this client, if any (the later one wins)."""
    ends = [
        until
        for until in (
            throttle.locked_until(account_limit(), normalize(email)) if normalize(email) else None,
            throttle.locked_until(ip_limit(), client_ip(request)),
        )
        if until is not None
    ]
    return Lock(max(ends)) if ends else None


def _account(email: str) -> User | None:
    return User.objects.select_related("organization").filter(email=normalize(email)).first()


def failed(request, email: str, *, step: FailedStep = FailedStep.PASSWORD) -> None:
    """Count a failed password (or two-factor code) and log it; a lock that
    starts here is logged too."""
    email = normalize(email)
    ip = client_ip(request)
    user = _account(email)
    # Events only for a real account, on its organization.
    organization = user.organization if user is not None else None
    if organization is not None:
        record(organization, EventKind.SIGN_IN_FAILED, actor=user, ip=ip, step=step)
    for scope, limit, value in (
        (LockScope.ACCOUNT, account_limit(), email),
        (LockScope.IP, ip_limit(), ip),
    ):
        if not value:
            continue
        until = throttle.add_failure(limit, value)
        if until is not None and organization is not None:
            record(
                organization,
                EventKind.SIGN_IN_LOCKED,
                actor=user,
                ip=ip,
                scope=scope,
                until=until.isoformat(timespec="seconds"),
            )


def succeeded(email: str) -> None:
    """A whole sign-in (password and any second step) clears the account's count, not the IP's."""
    counter = account_limit()
    # Only the count: a lock in force stays until it ends.
    throttle.clear_count(counter, normalize(email))


# --- Password reset: emails per address and per client, an hour at a time ----


def _reset_limits() -> tuple[throttle.Limit, throttle.Limit]:
    return (
        throttle.Limit("reset-email", settings.HUSHPOST_PASSWORD_RESET_PER_EMAIL, 3600),
        throttle.Limit("reset-ip", settings.HUSHPOST_PASSWORD_RESET_PER_IP, 3600),
    )


def reset_lock(request, email: str) -> Lock | None:
    by_email, by_ip = _reset_limits()
    ends = [
        until
        for until in (
            throttle.locked_until(by_email, normalize(email)),
            throttle.locked_until(by_ip, client_ip(request)),
        )
        if until is not None
    ]
    return Lock(max(ends)) if ends else None


def reset_requested(request, email: str) -> None:
    by_email, by_ip = _reset_limits()
    throttle.add_failure(by_email, normalize(email))
    throttle.add_failure(by_ip, client_ip(request))
