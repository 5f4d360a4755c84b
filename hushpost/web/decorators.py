"""Who may see a staff page: signed in (with two-factor when the user has it or the
organization requires it), in an organization, and (for settings) an admin."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hushpost.accounts import two_factor


def _htmx_sign_in_again(view):
    # An htmx request from a page whose session has ended would swap the sign-in
    # page into a fragment; send the whole page to sign-in instead.
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated and request.headers.get("HX-Request") == "true":
            current = request.headers.get("HX-Current-URL", "")
            next_path = urlsplit(current).path if current else ""
            target = resolve_url(settings.LOGIN_URL)
            if next_path:
                target = f"{target}?{urlencode({'next': next_path})}"
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return view(request, *args, **kwargs)

    return wrapper


def staff_required(view):
    """Signed in and a member of an organization; `request.org` is then that organization."""

    @_htmx_sign_in_again
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.user.organization_id is None:
            return render(request, "web/no_organization.html", status=403)
        # A password alone is not enough when the user has two-factor (or
        # their organization requires it): no staff page until that is done.
        step = two_factor.required_step(request.user)
        if step == two_factor.Step.VERIFY:
            return redirect_to_login(request.get_full_path(), reverse("two_factor_verify"))
        if step == two_factor.Step.ENROLL and not getattr(view, "during_enrollment", False):
            return redirect("web:security")
        request.org = request.user.organization
        # Staff read times in their own zone, else their organization's; override()
        # restores the thread's zone afterwards, so it never leaks into the next request.
        with timezone.override(request.user.effective_time_zone):
            return view(request, *args, **kwargs)

    return wrapper


def during_enrollment(view):
    """A page a user who must still set up two-factor may see (the Security page)."""
    view.during_enrollment = True
    return view


def admin_required(view):
    """Owners and admins only: settings, fields, users."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_org_admin:
            raise PermissionDenied(_("Only owners and admins can change this."))
        return view(request, *args, **kwargs)

    return wrapper
