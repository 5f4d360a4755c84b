"""The activity log: the organization's events with filters, and the same as CSV."""

from django.utils import timezone

from hushpost.activity.audit import visible_to
from hushpost.activity.export import recorded_csv_lines
from hushpost.activity.models import Event
from hushpost.activity.queries import filter_events
from hushpost.web.activity_forms import ActivityFilterForm
from hushpost.web.decorators import staff_required
from hushpost.web.event_pages import csv_download, events_page
from hushpost.web.event_sentences import csv_descriptions, prepare

PAGE_SIZE = 50


@staff_required
def activity_log(request):
    form = ActivityFilterForm(request.GET, organization=request.org)
    # A filter that doesn't make sense shows nothing, never everything.
    events = (
        filter_events(request.org, **form.cleaned_data, zone=timezone.get_current_timezone())
        if form.is_valid()
        else Event.objects.none()
    )
    return _page(request, form, visible_to(events, request.user))


@staff_required
def activity_export(request):
    form = ActivityFilterForm(request.GET, organization=request.org)
    if not form.is_valid():
        return _page(request, form, Event.objects.none(), status=400)
    events = visible_to(
        filter_events(request.org, **form.cleaned_data, zone=timezone.get_current_timezone()),
        request.user,
    )
    data = form.cleaned_data
    lines = recorded_csv_lines(
        prepare(events),
        request.user.effective_time_zone,
        describe=csv_descriptions,
        organization=request.org,
        actor=request.user,
        export="activity",
        with_ip=request.user.is_owner,
        contact=data["contact"].pk if data["contact"] else None,
        kind=data["kind"],
        date_from=data["date_from"],
        date_to=data["date_to"],
    )
    return csv_download(lines, "activity", request.org)


def _page(request, form, events, status=200):
    return events_page(
        request,
        form,
        events,
        per_page=PAGE_SIZE,
        nav="activity",
        template="web/activity/log.html",
        status=status,
        with_ip=request.user.is_owner,
    )
