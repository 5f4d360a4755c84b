"""The audit trail (owners only): who viewed, exported and changed what, from where; and the same as CSV."""

from functools import wraps

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from hushpost.activity.audit import audit_events
from hushpost.activity.export import recorded_csv_lines
from hushpost.activity.models import Event
from hushpost.web.audit_forms import AuditFilterForm
from hushpost.web.decorators import staff_required

PAGE_SIZE = 50


def owner_required(view):
    """Owners only: the trail shows what admins did too, so admins don't read it."""

    @staff_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_owner:
            raise PermissionDenied("Only owners can see the audit trail.")
        return view(request, *args, **kwargs)

    return wrapper


@owner_required
def audit_log(request):
    form = AuditFilterForm(request.GET, organization=request.org)
    # A filter that doesn't make sense shows nothing, never everything.
    events = audit_events(request.org, **form.cleaned_data) if form.is_valid() else Event.objects.none()
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return _page(request, form, page)


@owner_required
def audit_export(request):
    form = AuditFilterForm(request.GET, organization=request.org)
    if not form.is_valid():
        return _page(request, form, Paginator(Event.objects.none(), PAGE_SIZE).get_page(1), status=400)
    events = audit_events(request.org, **form.cleaned_data)
    lines = recorded_csv_lines(events, request.org.time_zone, organization=request.org, actor=request.user,
                               export="audit", **form.cleaned_data)
    filename = f"hushpost-audit-{request.org.slug}-{timezone.localdate():%Y-%m-%d}.csv"
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
        "nav": "audit",
        "form": form,
        "page": page,
        "filter_query": query,
        "extra_query": f"{query}&" if query else "",
    }
    return render(request, "web/audit/log.html", context, status=status)
