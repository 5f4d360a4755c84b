"""Who may see a staff page: signed in, in an organization, and (for settings) an admin."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone


def staff_required(view):
    """Signed in and a member of an organization; `request.org` is then that organization."""

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
