"""Users: everyone sees the organization's staff; owners and admins add and change them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.accounts import staff, two_factor
from hushpost.accounts.models import User
from hushpost.activity.sessions import client_ip
from hushpost.web.decorators import admin_required, staff_required
from hushpost.web.user_forms import EditUserForm, InviteUserForm


class Action(models.TextChoices):
    """The buttons of a user's page (each form posts its `action`)."""

    SAVE = "save", _("Save")
    RESEND = "resend", _("Send the invitation again")
    SIGN_OUT = "sign_out", _("Sign out everywhere")
    DEACTIVATE = "deactivate", _("Deactivate")
    REACTIVATE = "reactivate", _("Reactivate")


@staff_required
def user_list(request):
    users = User.objects.for_org(request.org)
    with_two_factor = two_factor.users_with_two_factor(users)
    rows = [
        (
            user,
            staff.is_invitation_pending(user),
            staff.can_manage(request.user, user),
            user.pk in with_two_factor,
        )
        for user in users
    ]
    return render(
        request,
        "web/users/list.html",
        {"nav": "users", "rows": rows, "can_add": staff.can_manage(request.user)},
    )


@admin_required
def user_edit(request, user_id=None):
    if user_id is None:
        return _invite(request)
    target = get_object_or_404(User.objects.for_org(request.org), pk=user_id)
    if request.method == "POST" and not staff.can_manage(request.user, target):
        raise PermissionDenied(_("Only an owner can change an owner's account."))
    action = request.POST.get("action", Action.SAVE)
    form = EditUserForm(
        request.POST if request.method == "POST" and action == Action.SAVE else None,
        actor=request.user,
        target=target,
    )
    if request.method == "POST":
        try:
            if action == Action.SAVE and form.is_valid():
                staff.update_user(request.user, target, **form.cleaned_data)
                messages.success(request, _("%(email)s saved.") % {"email": target.email})
                return redirect("web:user_list")
            if action in (Action.DEACTIVATE, Action.REACTIVATE):
                staff.set_active(request.user, target, action == Action.REACTIVATE)
                done = (
                    _("%(email)s reactivated.")
                    if action == Action.REACTIVATE
                    else _("%(email)s deactivated.")
                )
                messages.success(request, done % {"email": target.email})
                return redirect("web:user_edit", user_id=target.pk)
            if action == Action.SIGN_OUT:
                staff.sign_out(request.user, target, ip=client_ip(request))
                messages.success(
                    request, _("%(email)s was signed out everywhere.") % {"email": target.email}
                )
                return redirect("web:user_edit", user_id=target.pk)
            if action == Action.RESEND:
                sent = staff.resend_invitation(request.user, target)
                _say_invitation_sent(request, target, sent)
                return redirect("web:user_edit", user_id=target.pk)
        except staff.StaffError as error:
            if action == Action.SAVE:
                form.add_error(error.field, error.message)
            else:
                messages.error(request, error.message)
    context = {
        "nav": "users",
        "form": form,
        "target": target,
        "can_manage": staff.can_manage(request.user, target),
        "pending": staff.is_invitation_pending(target),
        "two_factor": two_factor.has_two_factor(target),
        "actions": Action,
    }
    return render(request, "web/users/edit.html", context)


def _invite(request):
    form = InviteUserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = staff.invite_user(request.user, **form.cleaned_data)
        except staff.StaffError as error:
            form.add_error(error.field, error.message)
        else:
            _say_invitation_sent(request, invitation.user, invitation.sent)
            return redirect("web:user_list")
    return render(request, "web/users/new.html", {"nav": "users", "form": form})


def _say_invitation_sent(request, user, sent: bool) -> None:
    if sent:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": user.email})
    else:
        messages.warning(
            request,
            _(
                "%(email)s was added, but the invitation email could not be sent. "
                "Check the mail settings, then use “Send the invitation again” on their page."
            )
            % {"email": user.email},
        )
