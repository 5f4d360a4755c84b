"""Who may see a staff page: signed in, in an organization, and (for settings) an admin."""

from __future__ import annotations

from functools import wraps

from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.core.exceptions import PermissionDenied
from django.shortcuts import render, resolve_url
from django.utils import timezone


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
        request.org = request.user.organization
        # Staff read times in their organization's zone; override() restores the
        # thread's zone afterwards, so it never leaks into the next request.
        with timezone.override(request.org.time_zone):
            return view(request, *args, **kwargs)

    return wrapper


def admin_required(view):
    """Owners and admins only: settings, fields, users."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_org_admin:
            raise PermissionDenied("Only owners and admins can change this.")
        return view(request, *args, **kwargs)

    return wrapper
