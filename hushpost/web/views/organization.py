"""The organization's own details: owners and admins change them."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.organizations import update_organization
from hushpost.web.decorators import admin_required
from hushpost.web.organization_forms import OrganizationForm


@admin_required
def organization_settings(request):
    form = OrganizationForm(request.POST or None, instance=request.org)
    if request.method == "POST" and form.is_valid():
        update_organization(form.save(commit=False), actor=request.user, changed=form.changed_data)
        messages.success(request, _("Organization details saved."))
        return redirect("web:organization")
    return render(request, "web/organization.html", {"nav": "organization", "form": form})
