"""Home: the page each staff member starts the day on (each section has its own module)."""

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hushpost.web.decorators import staff_required
from hushpost.web.home import home as gather


def greeting(hour: int) -> str:
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
