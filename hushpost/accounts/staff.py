"""Managing an organization's staff: invitations, roles and access.

Every rule about who may change whom lives here, so the web UI and any later
API enforce the same ones; views only translate `StaffError` into a message.
Each change is logged as USER_CHANGED with emails and roles only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hushpost.accounts.models import Role, User
from hushpost.accounts.sessions import end_all_sessions, sign_out_everywhere
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.outgoing_email import OutgoingEmail

logger = logging.getLogger(__name__)

EMAIL_TAKEN = (
    "This email already belongs to a Hushpost account. Each account needs its own email address: "
    "use a different one."
)


class UserChange(models.TextChoices):
    """What a `user_changed` event records (its `action`)."""

    INVITED = "invited", "Invited"
    INVITATION_RESENT = "invitation_resent", "Invitation sent again"
    ROLE_CHANGED = "role_changed", "Role changed"
    RENAMED = "renamed", "Renamed"
    DEACTIVATED = "deactivated", "Deactivated"
    REACTIVATED = "reactivated", "Reactivated"


class StaffError(Exception):
    """A change the rules refuse. The message is written for the person who tried it."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class Invitation:
    user: User
    # False when the mail server refused: the user exists and the invitation can be sent again.
    sent: bool


def can_manage(actor: User, target: User | None = None) -> bool:
    """Whether `actor` may add users (no target) or change `target`."""
    if not actor.is_active or actor.organization_id is None or not actor.is_org_admin:
        return False
    if target is None:
        return True
    if target.organization_id != actor.organization_id:
        return False
    return actor.is_owner or target.role != Role.OWNER


def assignable_roles(actor: User) -> list[Role]:
    if actor.is_owner:
        return [Role.OWNER, Role.ADMIN, Role.MEMBER]
    if actor.is_org_admin:
        return [Role.ADMIN, Role.MEMBER]
    return []


def is_invitation_pending(user: User) -> bool:
    """Added but has never set a password (nor signed in)."""
    return user.last_login is None and not user.has_usable_password()


def _require_manage(actor: User, target: User | None = None) -> None:
    if can_manage(actor, target):
        return
    if (
        target is not None
        and actor.is_org_admin
        and target.organization_id == actor.organization_id
    ):
        raise StaffError("Only an owner can change an owner's account.")
    raise StaffError("Only owners and admins of this organization can manage its users.")


def _require_assignable(actor: User, role: str) -> None:
    if role not in Role.values:
        raise StaffError("Choose owner, admin or member.", field="role")
    if role not in assignable_roles(actor):
        raise StaffError("Only an owner can make someone an owner.", field="role")


def _locked(user: User) -> User:
    return User.objects.select_for_update(no_key=True).get(pk=user.pk)


def _refuse_if_last_owner(user: User, doing: str) -> None:
    if user.organization_id is None:
        return  # an account outside any organization is no organization's owner
    # Lock every active owner of the organization, so two owners demoting or
    # deactivating each other at the same moment can't leave it with none.
    owners = set(
        User.objects.select_for_update(no_key=True)
        .filter(organization_id=user.organization_id, role=Role.OWNER, is_active=True)
        .values_list("pk", flat=True)
    )
    if user.is_active and user.role == Role.OWNER and owners <= {user.pk}:
        raise StaffError(
            f"{user.email} is the only active owner of this organization. "
            f"Make someone else an owner first, then {doing}."
        )


def invitation_link(user: User) -> str:
    """A set-password link: Django's password reset token, so it works once and expires."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    # The public URL, never the Host header of whatever request caused this.
    return f"{settings.BASE_URL}{path}"


def send_invitation(user: User, *, inviter: User) -> bool:
    """Email `user` a link to choose their password. True when the mail was accepted."""
    context = {
        "user": user,
        "inviter_name": inviter.full_name or inviter.email,
        "organization": user.organization,
        "link": invitation_link(user),
        "sign_in_url": f"{settings.BASE_URL}{reverse('login')}",
        "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
    }
    # The invitee has chosen no language yet: it reads the one of who invited them.
    with translation.override(inviter.language):
        subject = "".join(
            render_to_string("registration/invitation_subject.txt", context).splitlines()
        )
        body = render_to_string("registration/invitation_email.txt", context)
    try:
        OutgoingEmail(subject=subject, body=body, to=[user.email]).send()
    except Exception:
        # Any mail backend failure (refused, unreachable, timeout): the account
        # exists, and the admin is told to send the invitation again.
        logger.exception("invitation email to user %s could not be sent", user.pk)
        return False
    return True


def invite_user(
    actor: User, *, email: str, first_name: str = "", last_name: str = "", role: str = Role.MEMBER
) -> Invitation:
    """Add a user to the actor's organization, with no password yet, and email
    them the link to set one."""
    _require_manage(actor)
    _require_assignable(actor, role)
    email = User.objects.normalize_email(email.strip()).lower()
    if not email:
        raise StaffError("Type the new user's email address.", field="email")
    if User.objects.filter(email__iexact=email).exists():
        raise StaffError(EMAIL_TAKEN, field="email")
    try:
        with transaction.atomic():
            user = User.objects.create_user(
                email,
                None,  # unusable until they follow the invitation
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                organization=actor.organization,
                role=role,
                # A starting value (they change it in Preferences): the inviter's, which
                # the invitation email is written in.
                language=actor.language,
            )
            record(
                actor.organization,
                EventKind.USER_CHANGED,
                actor=actor,
                action=UserChange.INVITED,
                user=email,
                role=role,
            )
    except IntegrityError:
        # Someone took the address between the check and the insert.
        raise StaffError(EMAIL_TAKEN, field="email") from None
    # Sent after the commit: never an invitation for an account that was rolled back.
    return Invitation(user=user, sent=send_invitation(user, inviter=actor))


def resend_invitation(actor: User, user: User) -> bool:
    _require_manage(actor, user)
    if not user.is_active:
        raise StaffError(f"{user.email} is deactivated: reactivate them first.")
    if not is_invitation_pending(user):
        raise StaffError(
            f"{user.email} has already set a password. If they forgot it, "
            "“Forgot your password?” on the sign-in page sends them a new link."
        )
    record(
        actor.organization,
        EventKind.USER_CHANGED,
        actor=actor,
        action=UserChange.INVITATION_RESENT,
        user=user.email,
    )
    return send_invitation(user, inviter=actor)


def update_user(
    actor: User,
    user: User,
    *,
    role: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> User:
    """Change a user's role and/or name in one step; returns the saved user."""
    _require_manage(actor, user)
    if role is not None:
        _require_assignable(actor, role)
    with transaction.atomic():
        user = _locked(user)
        # Checked again on the locked row: the role may have changed since the page was shown.
        _require_manage(actor, user)
        changed: list[str] = []
        if first_name is not None and first_name.strip() != user.first_name:
            user.first_name = first_name.strip()
            changed.append("first_name")
        if last_name is not None and last_name.strip() != user.last_name:
            user.last_name = last_name.strip()
            changed.append("last_name")
        old_role = user.role
        if role is not None and role != old_role:
            if old_role == Role.OWNER:
                _refuse_if_last_owner(user, "change their role")
            user.role = role
            changed.append("role")
        if not changed:
            return user
        user.save(update_fields=changed)
        if "role" in changed:
            record(
                actor.organization,
                EventKind.USER_CHANGED,
                actor=actor,
                action=UserChange.ROLE_CHANGED,
                user=user.email,
                old_role=old_role,
                new_role=user.role,
            )
        if "first_name" in changed or "last_name" in changed:
            # The names themselves stay out of the log; the email says who.
            record(
                actor.organization,
                EventKind.USER_CHANGED,
                actor=actor,
                action=UserChange.RENAMED,
                user=user.email,
            )
    return user


def update_preferences(
    user: User, *, first_name: str, last_name: str, time_zone: str, language: str | None = None
) -> list[str]:
    """A staff member's own name, time zone and language; returns what changed."""
    values = {
        "first_name": first_name.strip(),
        "last_name": last_name.strip(),
        "time_zone": time_zone.strip(),
    }
    if language is not None:
        values["language"] = language
    changed = [name for name, value in values.items() if getattr(user, name) != value]
    if not changed:
        return []
    for name in changed:
        setattr(user, name, values[name])
    user.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changed])
    with transaction.atomic():
        user.save(update_fields=changed)
        # What changed, not the values: names stay out of the log, the email says who.
        record(
            user.organization,
            EventKind.USER_CHANGED,
            actor=user,
            action="preferences",
            user=user.email,
            fields=", ".join(changed),
        )
    return changed


def change_role(actor: User, user: User, role: str) -> User:
    return update_user(actor, user, role=role)


def set_active(actor: User, user: User, active: bool) -> User:
    """Deactivate (they can no longer sign in; open sessions end) or reactivate a user."""
    _require_manage(actor, user)
    if not active and user.pk == actor.pk:
        raise StaffError("You can't deactivate your own account. Ask another owner or admin.")
    with transaction.atomic():
        user = _locked(user)
        _require_manage(actor, user)
        if user.is_active == active:
            return user
        if not active:
            _refuse_if_last_owner(user, "deactivate them")
        user.is_active = active
        user.save(update_fields=["is_active"])
        if not active:
            # Django already refuses an inactive user's session; this keeps
            # those sessions dead if the user is reactivated later.
            end_all_sessions(user)
        record(
            actor.organization,
            EventKind.USER_CHANGED,
            actor=actor,
            action=UserChange.REACTIVATED if active else UserChange.DEACTIVATED,
            user=user.email,
            role=user.role,
        )
    return user


def sign_out(actor: User, user: User, *, ip: str) -> None:
    """An owner or admin ends every session of another user of their organization."""
    _require_manage(actor, user)
    sign_out_everywhere(user, actor=actor, ip=ip)
