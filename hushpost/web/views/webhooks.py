"""Settings → Webhooks: owners and admins add, change, test, rotate and delete the
organization's webhook endpoints and see their recent attempts.

A secret is shown once, on the page that answers the POST that made it (a new
endpoint, a rotation): never in a redirect, the session or a flash message,
and the page is no-store (NoStoreMiddleware), as API keys are.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.web.decorators import admin_required
from hushpost.web.webhook_forms import WebhookForm
from hushpost.webhooks.endpoints import (
    Busy,
    EndpointInvalid,
    create_endpoint,
    delete_endpoint,
    replay,
    rotate_secret,
    send_test,
    update_endpoint,
)
from hushpost.webhooks.models import WebhookAttempt, WebhookEndpoint

RECENT_ATTEMPTS = 25
NAV = "webhooks"


def _endpoint(request, webhook_id) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint.objects.for_org(request.org), pk=webhook_id)


@admin_required
def webhook_list(request):
    form = WebhookForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            endpoint, secret = create_endpoint(
                request.org,
                url=form.cleaned_data["url"],
                events=form.chosen_events(),
                description=form.cleaned_data["description"],
                actor=request.user,
            )
        except EndpointInvalid as error:
            form.add_problems(error.problems)
        else:
            return _show_secret(request, endpoint, secret, created=True)
    endpoints = WebhookEndpoint.objects.for_org(request.org)
    return render(
        request, "web/webhooks/list.html", {"nav": NAV, "endpoints": endpoints, "form": form}
    )


def _show_secret(request, endpoint: WebhookEndpoint, secret: str, *, created: bool):
    context = {"nav": NAV, "endpoint": endpoint, "secret": secret, "created": created}
    return render(request, "web/webhooks/secret.html", context)


@admin_required
def webhook_detail(request, webhook_id):
    endpoint = _endpoint(request, webhook_id)
    form = WebhookForm(request.POST or None, endpoint=endpoint)
    if request.method == "POST" and form.is_valid():
        try:
            changed = update_endpoint(
                endpoint,
                url=form.cleaned_data["url"],
                events=form.chosen_events(),
                description=form.cleaned_data["description"],
                enabled=form.cleaned_data["enabled"],
                actor=request.user,
            )
        except EndpointInvalid as error:
            form.add_problems(error.problems)
        else:
            if changed:
                messages.success(request, _("Webhook endpoint saved."))
            return redirect("web:webhook_detail", webhook_id=endpoint.pk)
    attempts = WebhookAttempt.objects.filter(endpoint=endpoint).select_related("message")
    context = {
        "nav": NAV,
        "endpoint": endpoint,
        "form": form,
        "attempts": attempts[:RECENT_ATTEMPTS],
    }
    return render(request, "web/webhooks/detail.html", context)


@admin_required
def webhook_test(request, webhook_id):
    endpoint = _endpoint(request, webhook_id)  # another organization's id is a 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    send_test(endpoint)
    messages.success(
        request, _("A test event is on its way; its attempt shows below within a few seconds.")
    )
    return redirect("web:webhook_detail", webhook_id=webhook_id)


@admin_required
def webhook_replay(request, webhook_id, attempt_id):
    endpoint = _endpoint(request, webhook_id)
    attempt = WebhookAttempt.objects.filter(endpoint=endpoint, pk=attempt_id).first()
    if attempt is None:
        raise Http404(_("No such attempt."))
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        replay(attempt)
    except Busy as error:
        messages.warning(request, str(error))
    else:
        messages.success(request, _("Sent again now, with the same webhook-id."))
    return redirect("web:webhook_detail", webhook_id=webhook_id)


@admin_required
def webhook_rotate(request, webhook_id):
    endpoint = _endpoint(request, webhook_id)
    if request.method == "POST":
        secret = rotate_secret(endpoint, actor=request.user)
        endpoint.refresh_from_db()
        return _show_secret(request, endpoint, secret, created=False)
    return render(request, "web/webhooks/rotate.html", {"nav": NAV, "endpoint": endpoint})


@admin_required
def webhook_delete(request, webhook_id):
    endpoint = _endpoint(request, webhook_id)
    if request.method == "POST":
        delete_endpoint(endpoint, actor=request.user)
        messages.success(request, f"Webhook endpoint {endpoint.url} deleted.")
        return redirect("web:webhooks")
    return render(request, "web/webhooks/delete.html", {"nav": NAV, "endpoint": endpoint})
