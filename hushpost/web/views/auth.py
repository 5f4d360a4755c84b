"""Staff sign-in (password, then a two-factor code when the user has it) and password reset."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext_lazy as _

from hushpost.accounts import sign_in, two_factor
from hushpost.accounts.models import User
from hushpost.web.forms import SignInForm, StaffPasswordResetForm, TwoFactorCodeForm


class SignInView(auth_views.LoginView):
    authentication_form = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if two_factor.required_step(user) is None:
            sign_in.succeeded(user.email)
        return response

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if any(error.code == "locked" for error in form.non_field_errors().as_data()):
            response.status_code = 429  # Too Many Requests: the same for every email
        return response

    def get_success_url(self):
        url = super().get_success_url()
        user = self.request.user
        if not isinstance(user, User):  # form_valid has just signed them in
            return url
        step = two_factor.required_step(user)
        if step == two_factor.Step.VERIFY:
            return f"{reverse('two_factor_verify')}?{urlencode({'next': url})}"
        if step == two_factor.Step.ENROLL:
            return reverse("web:security")
        return url


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url and url_has_allowed_host_and_scheme(
        url, {request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@login_required
def two_factor_verify(request):
    """The second step: a code from the authenticator app, or a backup code."""
    next_url = _next_url(request)
    user = request.user
    if two_factor.required_step(user) != two_factor.Step.VERIFY:
        return redirect(next_url)
    form = TwoFactorCodeForm(request.POST or None)
    lock = sign_in.lock_for(request, user.email)
    if request.method == "POST" and lock is None and form.is_valid():
        device = two_factor.verify(user, form.cleaned_data["code"])
        if device is not None:
            two_factor.complete_sign_in(request, user, device)
            sign_in.succeeded(user.email)
            if device.name == two_factor.BACKUP_DEVICE:
                left = two_factor.backup_codes_left(user)
                messages.warning(
                    request,
                    f"You used a backup code; {left} left. "
                    "Make new ones on the Security page if you run low.",
                )
            return redirect(next_url)
        sign_in.failed(request, user.email, step=sign_in.FailedStep.TWO_FACTOR)
        lock = sign_in.lock_for(request, user.email)
        if lock is None:
            form.add_error(
                "code",
                _(
                    "That code doesn't match. "
                    "Type the code your app shows now (it changes every 30 seconds)."
                ),
            )
    context = {"form": form, "next": next_url, "lock": lock, "hide_nav": True}
    return render(
        request, "registration/two_factor_verify.html", context, status=429 if lock else 200
    )


class StaffPasswordResetView(auth_views.PasswordResetView):
    form_class = StaffPasswordResetForm
    # Our own name: django.contrib.auth's password_reset_subject.txt would win the template lookup.
    subject_template_name = "registration/reset_subject.txt"

    def form_valid(self, form):
        email = form.cleaned_data["email"]
        lock = sign_in.reset_lock(self.request, email)
        if lock is not None:
            form.add_error(None, lock.reset_notice)
            return self.form_invalid(form)
        # Counted whether or not the address has an account: the answer never says which.
        sign_in.reset_requested(self.request, email)
        # Links in emails use the public URL, never the Host header a request claims.
        self.extra_email_context = {"base_url": settings.BASE_URL}
        return super().form_valid(form)
