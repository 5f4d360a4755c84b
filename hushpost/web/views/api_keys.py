"""API keys: owners and admins list, create and revoke the organization's REST API keys.

A new key is shown once, on the page that answers the POST that made it: it
never goes into a redirect, the session or a flash message, and the page is
no-store (NoStoreMiddleware), so the browser keeps no copy to go back to.
"""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.api_keys import MAX_NAME_LENGTH, ApiKeyError, create_key, revoke_key
from hushpost.accounts.models import ApiKey
from hushpost.web.decorators import admin_required


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=MAX_NAME_LENGTH,
        help_text=_(
            "What will use the key, such as “Booking system”. "
            "Shown in the activity log as “api: <name>”."
        ),
    )


@admin_required
def api_key_list(request):
    form = ApiKeyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            key, raw = create_key(request.org, form.cleaned_data["name"], created_by=request.user)
        except ApiKeyError as error:
            form.add_error("name", str(error))
        else:
            return render(
                request,
                "web/api_keys/created.html",
                {"nav": "api_keys", "key": key, "raw_key": raw},
            )
    keys = ApiKey.objects.for_org(request.org).select_related("created_by")
    return render(
        request, "web/api_keys/list.html", {"nav": "api_keys", "keys": keys, "form": form}
    )


@admin_required
def api_key_revoke(request, key_id):
    key = get_object_or_404(ApiKey.objects.for_org(request.org), pk=key_id)
    if request.method == "POST":
        if revoke_key(key, actor=request.user):
            messages.success(request, f"API key {key.name} revoked: it no longer works.")
        return redirect("web:api_keys")
    return render(request, "web/api_keys/revoke.html", {"nav": "api_keys", "key": key})
