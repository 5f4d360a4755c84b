"""How contacts confirm appointments: owners and admins change it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.appointments.confirmation_settings import (
    ConfirmationSettingsInvalid,
    ConfirmationValues,
    save_confirmation_settings,
)
from hushpost.appointments.models import ConfirmationSettings
from hushpost.web.confirmation_forms import ConfirmationSettingsForm
from hushpost.web.decorators import admin_required


@admin_required
def confirmation_settings(request):
    current = ConfirmationValues.of(ConfirmationSettings.of(request.org))
    form = ConfirmationSettingsForm(
        request.POST or None, initial=ConfirmationSettingsForm.initial_from(current)
    )
    if request.method == "POST" and form.is_valid():
        try:
            save_confirmation_settings(
                request.org, form.values(), actor=request.user, actor_label=request.user.email
            )
        except ConfirmationSettingsInvalid as error:
            for name, problems in error.problems.items():
                for problem in problems:
                    form.add_error(name if name in form.fields else None, problem)
        else:
            messages.success(request, _("Confirmation settings saved."))
            return redirect("web:confirmation_settings")
    context = {"nav": "confirmations", "form": form}
    return render(request, "web/settings/confirmations.html", context)
