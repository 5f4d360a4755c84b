"""Deliveries: what failed or was held back and why, with a Retry for failed ones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus
from hushpost.delivery.staff_retry import (
    SETTLES_ITSELF,
    RetryRefused,
    is_ambiguous,
    retry_failed,
    settles_itself,
)
from hushpost.web.decorators import staff_required
from hushpost.web.filter_forms import DateRangeFilter, date_field
from hushpost.web.redirects import redirect_back

PAGE_SIZE = 50
ATTENTION = "attention"
ALL = "all"


class DeliveryFilterForm(DateRangeFilter, forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ATTENTION, _("Needs attention (failed or held back)")),
            (ALL, _("All statuses")),
            *DeliveryStatus.choices,
        ],
        required=False,
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    date_from = date_field(_("From"))
    date_to = date_field(_("To"))
    q = forms.CharField(
        label=_("Contact"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email or phone")}),
    )


def filter_deliveries(
    organization, *, status="", channel="", date_from=None, date_to=None, q="", zone=None
):
    """The organization's deliveries, newest first; dates are whole days in `zone`
    (else the organization's), both included."""
    found = Delivery.objects.for_org(organization).select_related("contact")
    if status == ALL:
        pass
    elif status in DeliveryStatus.values:
        found = found.filter(status=status)
    else:
        found = found.needing_attention()
    if channel:
        found = found.filter(channel=channel)
    zone = zone or ZoneInfo(organization.time_zone)
    if date_from:
        found = found.filter(
            created_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=zone)
        )
    if date_to:
        found = found.filter(
            created_at__lt=dt.datetime.combine(
                date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone
            )
        )
    if q.strip():
        found = found.filter(
            contact__in=Contact.objects.for_org(organization).search(q).values("pk")
        )
    return found.order_by("-created_at", "-id")


@staff_required
def delivery_list(request):
    form = DeliveryFilterForm(request.GET)
    # A filter that doesn't make sense shows nothing, never everything.
    found = (
        filter_deliveries(request.org, **form.cleaned_data, zone=timezone.get_current_timezone())
        if form.is_valid()
        else Delivery.objects.none()
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    for delivery in page.object_list:
        delivery.ambiguous = is_ambiguous(delivery)
        delivery.settles_itself = settles_itself(delivery)
        delivery.retries = sum(1 for row in delivery.attempt_log if "retry_by" in row)
    filters = request.GET.copy()
    filters.pop("page", None)
    query = filters.urlencode()
    return render(
        request,
        "web/deliveries/list.html",
        {
            "nav": "deliveries",
            "form": form,
            "page": page,
            "extra_query": f"{query}&" if query else "",
            "here": request.get_full_path(),
            "settles_itself_text": SETTLES_ITSELF,
        },
    )


@staff_required
def delivery_retry(request, delivery_id):
    # Looked up before the method check: another organization's id is a 404 either way.
    delivery = get_object_or_404(Delivery.objects.for_org(request.org), pk=delivery_id)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        retry_failed(
            delivery, request.user, confirmed_not_sent=request.POST.get("confirm_not_sent") == "on"
        )
    except RetryRefused as refused:
        messages.error(request, f"{delivery.contact.name}: {refused.message}")
    else:
        messages.success(
            request,
            _("%(name)s: queued again; it goes out in a moment.") % {"name": delivery.contact.name},
        )
    return redirect_back(request, reverse("web:deliveries"))
