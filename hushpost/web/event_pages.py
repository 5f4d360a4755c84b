"""What the record pages (Activity, Audit) share: one page of filtered events
in sentences, and the same events as CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from hushpost.web.event_sentences import describe_events, prepare


def events_page(
    request: HttpRequest,
    form,
    events,
    *,
    per_page: int,
    nav: str,
    template: str,
    status: int = 200,
    with_ip: bool = False,
) -> HttpResponse:
    """The page of `events` that ?page= asks for, under its filter form; page
    links keep the filters."""
    page = Paginator(prepare(events), per_page).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    query = filters.urlencode()
    context = {
        "nav": nav,
        "form": form,
        "page": page,
        "lines": describe_events(page.object_list, with_ip=with_ip),
        "filter_query": query,
        "extra_query": f"{query}&" if query else "",
    }
    return render(request, template, context, status=status)


def csv_download(lines, name: str, organization) -> StreamingHttpResponse:
    # staff_required made the staff member's zone current: the date is theirs.
    filename = f"hushpost-{name}-{organization.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        lines,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
