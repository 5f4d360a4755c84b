"""Security: your two-factor sign-in, your sessions, and (owners) whether two-factor is required."""

from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.accounts import sign_in, two_factor
from hushpost.accounts.sessions import sign_out_everywhere
from hushpost.activity.sessions import client_ip
from hushpost.web.decorators import during_enrollment, staff_required
from hushpost.web.two_factor_forms import CodeOrPasswordForm, ConfirmCodeForm, RequireTwoFactorForm


@staff_required
@during_enrollment
def security(request):
    action = request.POST.get("action", "") if request.method == "POST" else ""
    handler = ACTIONS.get(action)
    if handler is not None:
        response = handler(request)
        if response is not None:
            return response
    return _page(request)


def _page(request, **extra):
    user = request.user
    pending = two_factor.pending_device(user) if not two_factor.has_two_factor(user) else None
    context = {
        "nav": "security",
        "enabled": two_factor.has_two_factor(user),
        "pending": pending,
        "qr_svg": two_factor.qr_svg(pending) if pending else "",
        "secret": two_factor.secret_text(pending) if pending else "",
        "codes_left": two_factor.backup_codes_left(user),
        "must_enroll": two_factor.required_step(user) == two_factor.Step.ENROLL,
        "hide_nav": two_factor.required_step(user) == two_factor.Step.ENROLL,
        "confirm_form": extra.pop("confirm_form", None) or ConfirmCodeForm(),
        "disable_form": extra.pop("disable_form", None) or CodeOrPasswordForm(prefix="disable"),
        "codes_form": extra.pop("codes_form", None) or CodeOrPasswordForm(prefix="codes"),
        "require_form": RequireTwoFactorForm(initial={"required": request.org.require_two_factor}),
        **extra,
    }
    return render(request, "web/security.html", context)


def _start(request):
    try:
        two_factor.start_enrollment(request.user)
    except two_factor.TwoFactorError as error:
        messages.error(request, error.message)
    return redirect("web:security")


def _confirm(request):
    form = ConfirmCodeForm(request.POST)
    if form.is_valid():
        try:
            codes = two_factor.confirm_enrollment(request, request.user, form.cleaned_data["code"])
        except two_factor.TwoFactorError as error:
            form.add_error("code", error.message)
        else:
            messages.success(
                request, _("Two-factor sign-in is on. Keep your backup codes somewhere safe.")
            )
            # Shown in this answer only: nothing keeps them to show again.
            return _page(request, new_codes=codes)
    return _page(request, confirm_form=form)


def _checked(request, form: CodeOrPasswordForm) -> bool:
    """A code or password typed to change two-factor: wrong ones count like failed sign-ins."""
    if not form.is_valid():
        return False
    lock = sign_in.lock_for(request, request.user.email)
    if lock is not None:
        form.add_error(None, lock.notice)
        return False
    if two_factor.check_code_or_password(request.user, form.cleaned_data["secret"]):
        return True
    sign_in.failed(request, request.user.email, step=sign_in.FailedStep.TWO_FACTOR_CHANGE)
    form.add_error("secret", _("That is neither a current code nor your password."))
    return False


def _disable(request):
    form = CodeOrPasswordForm(request.POST, prefix="disable")
    if not _checked(request, form):
        return _page(request, disable_form=form)
    two_factor.disable(request.user, actor=request.user, ip=client_ip(request))
    messages.success(request, _("Two-factor sign-in is off. Your password alone now signs you in."))
    return redirect("web:security")


def _new_codes(request):
    form = CodeOrPasswordForm(request.POST, prefix="codes")
    if not two_factor.has_two_factor(request.user) or not _checked(request, form):
        return _page(request, codes_form=form)
    codes = two_factor.new_backup_codes(request.user)
    messages.success(request, _("New backup codes made; the old ones no longer work."))
    return _page(request, new_codes=codes)


def _sign_out_everywhere(request):
    user = request.user
    sign_out_everywhere(user, actor=user, ip=client_ip(request))
    logout(request)
    messages.success(
        request, _("You were signed out everywhere, including here. Sign in again to continue.")
    )
    return redirect("login")


def _require(request):
    if not request.user.is_owner:
        raise PermissionDenied(_("Only an owner can change whether two-factor is required."))
    form = RequireTwoFactorForm(request.POST)
    if form.is_valid():
        try:
            changed = two_factor.set_required(
                request, request.user, request.org, form.cleaned_data["required"]
            )
        except two_factor.TwoFactorError as error:
            messages.error(request, error.message)
        else:
            if changed:
                messages.success(
                    request,
                    _(
                        "Two-factor is now required: anyone without it sets it up "
                        "at their next page."
                    )
                    if form.cleaned_data["required"]
                    else _("Two-factor is no longer required."),
                )
    return redirect("web:security")


ACTIONS = {
    "start": _start,
    "confirm": _confirm,
    "disable": _disable,
    "new_codes": _new_codes,
    "sign_out_everywhere": _sign_out_everywhere,
    "require": _require,
}
