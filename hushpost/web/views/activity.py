"""The activity log: the organization's events with filters, and the same as CSV."""

from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from hushpost.activity.audit import visible_to
from hushpost.activity.export import recorded_csv_lines
from hushpost.activity.models import Event
from hushpost.activity.queries import filter_events
from hushpost.web.activity_forms import ActivityFilterForm
from hushpost.web.decorators import staff_required

PAGE_SIZE = 50


@staff_required
def activity_log(request):
    form = ActivityFilterForm(request.GET, organization=request.org)
    # A filter that doesn't make sense shows nothing, never everything.
    events = filter_events(request.org, **form.cleaned_data) if form.is_valid() else Event.objects.none()
    events = visible_to(events, request.user)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, form, page)


@staff_required
def activity_export(request):
    form = ActivityFilterForm(request.GET, organization=request.org)
    if not form.is_valid():
        return _page(request, form, Paginator(Event.objects.none(), PAGE_SIZE).get_page(1), status=400)
    events = visible_to(filter_events(request.org, **form.cleaned_data), request.user)
    # staff_required made the organization's zone current: the date is theirs.
    filename = f"hushpost-activity-{request.org.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    data = form.cleaned_data
    lines = recorded_csv_lines(
        events, request.org.time_zone, organization=request.org, actor=request.user, export="activity",
        with_ip=request.user.is_owner,
        contact=data["contact"].pk if data["contact"] else None, kind=data["kind"],
        date_from=data["date_from"], date_to=data["date_to"],
    )
    return StreamingHttpResponse(
        lines,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _page(request, form, page, status=200):
    filters = request.GET.copy()
    filters.pop("page", None)
    query = filters.urlencode()
    context = {
        "nav": "activity",
        "form": form,
        "page": page,
        "filter_query": query,
        "extra_query": f"{query}&" if query else "",
    }
    return render(request, "web/activity/log.html", context, status=status)
