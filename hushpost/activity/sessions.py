"""Staff sign-in and sign-out, recorded from Django's auth signals.

Only users in an organization are recorded: events belong to an organization,
and operators without one have no log to write to.

A user with two-factor is not signed in after the password alone: Django's
login (and its signal) comes at the password step, so `signed_in` is
recorded by accounts/two_factor.py once the code is accepted instead.
"""

from __future__ import annotations

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.activity.origin import client_ip

__all__ = ["client_ip", "on_signed_in", "on_signed_out"]


def _record(kind: EventKind, request, user) -> None:
    if user is None or getattr(user, "organization_id", None) is None:
        return
    record(user.organization, kind, actor=user, ip=client_ip(request))


def on_signed_in(sender, request, user, **kwargs) -> None:
    # Imported here: accounts.two_factor records through this module.
    from hushpost.accounts.two_factor import has_two_factor

    if user is not None and has_two_factor(user):
        return
    _record(EventKind.SIGNED_IN, request, user)


def on_signed_out(sender, request, user, **kwargs) -> None:
    _record(EventKind.SIGNED_OUT, request, user)
