"""What the Activity and Audit pages share: one page of filtered events, and
the same events as CSV."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone


def events_page(
    request: HttpRequest, form, events, *, per_page: int, nav: str, template: str, status: int = 200
) -> HttpResponse:
    """The page of `events` that ?page= asks for, under its filter form; page
    links keep the filters."""
    page = Paginator(events, per_page).get_page(request.GET.get("page"))
    filters = request.GET.copy()
    filters.pop("page", None)
    query = filters.urlencode()
    context = {
        "nav": nav,
        "form": form,
        "page": page,
        "filter_query": query,
        "extra_query": f"{query}&" if query else "",
    }
    return render(request, template, context, status=status)


def csv_download(lines, name: str, organization) -> StreamingHttpResponse:
    # staff_required made the organization's zone current: the date is theirs.
    filename = f"hushpost-{name}-{organization.slug}-{timezone.localdate():%Y-%m-%d}.csv"
    return StreamingHttpResponse(
        lines,
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
