"""Your preferences: your name as colleagues see it, and the time zone pages use for you."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.staff import update_preferences
from hushpost.web.decorators import staff_required
from hushpost.web.user_forms import PreferencesForm


@staff_required
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        changed = update_preferences(request.user, **form.cleaned_data)
        messages.success(request, _("Preferences saved.") if changed else _("Nothing changed."))
        return redirect("web:preferences")
    return render(request, "web/preferences.html", {"nav": "preferences", "form": form})
