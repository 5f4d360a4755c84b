"""The audit trail (owners only): who viewed, exported and changed what, from
where; and the same as CSV."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from hushpost.activity.audit import audit_events
from hushpost.activity.export import recorded_csv_lines
from hushpost.activity.models import Event
from hushpost.web.audit_forms import AuditFilterForm
from hushpost.web.decorators import staff_required
from hushpost.web.event_pages import csv_download, events_page
from hushpost.web.event_sentences import csv_descriptions, prepare

PAGE_SIZE = 50


def owner_required(view):
    """Owners only: the trail shows what admins did too, so admins don't read it."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied(_("Only owners can see the audit trail."))
        return view(request, *args, **kwargs)

    return wrapper


@owner_required
def audit_log(request):
    form = AuditFilterForm(request.GET, organization=request.org)
    # A filter that doesn't make sense shows nothing, never everything.
    events = (
        audit_events(request.org, **form.cleaned_data, zone=timezone.get_current_timezone())
        if form.is_valid()
        else Event.objects.none()
    )
    return _page(request, form, events)


@owner_required
def audit_export(request):
    form = AuditFilterForm(request.GET, organization=request.org)
    if not form.is_valid():
        return _page(request, form, Event.objects.none(), status=400)
    events = audit_events(request.org, **form.cleaned_data, zone=timezone.get_current_timezone())
    lines = recorded_csv_lines(
        prepare(events),
        request.user.effective_time_zone,
        describe=csv_descriptions,
        organization=request.org,
        actor=request.user,
        export="audit",
        with_chain=True,
        **form.cleaned_data,
    )
    return csv_download(lines, "audit", request.org)


def _page(request, form, events, status=200):
    return events_page(
        request,
        form,
        events,
        per_page=PAGE_SIZE,
        nav="audit",
        template="web/audit/log.html",
        status=status,
        # The address has a column of its own on this page.
        with_ip=False,
    )
