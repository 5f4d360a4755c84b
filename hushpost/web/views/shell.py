"""Home: the page each staff member starts the day on (each section has its own module)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hushpost.web.decorators import staff_required
from hushpost.web.home import home as gather

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def greeting(hour: int) -> StrOrPromise:
    if hour < 12:
        return _("Good morning")
    return _("Good afternoon") if hour < 18 else _("Good evening")


@staff_required
def home(request):
    context = {
        "nav": "home",
        "home": gather(request.org, request.user),
        "greeting": greeting(timezone.localtime().hour),
    }
    return render(request, "web/home.html", context)
