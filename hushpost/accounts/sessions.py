"""Ending a staff user's sessions everywhere.

Raising `User.session_generation` changes the hash every session carries
(User._get_session_auth_hash), so Django ends each of them at its next
request — on any backend, without finding the sessions themselves.
"""

from __future__ import annotations

from django.db.models import F

from hushpost.accounts.models import User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind


def end_all_sessions(user: User) -> None:
    User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
    user.refresh_from_db(fields=["session_generation"])


def sign_out_everywhere(user: User, *, actor: User, ip: str) -> None:
    """End every session of `user`; `actor` is who asked (the user, or an owner or admin)."""
    end_all_sessions(user)
    if user.organization_id:
        record(
            user.organization, EventKind.SIGNED_OUT_EVERYWHERE, actor=actor, ip=ip, user=user.email
        )
