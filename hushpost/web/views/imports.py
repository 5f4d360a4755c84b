"""Imports of contacts and appointments: upload, map a CSV's columns, follow the progress,
read the per-row report, download the rejected rows. One set of pages for every kind."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from hushpost.activity.export import record_export
from hushpost.contacts.import_readers import sample_rows
from hushpost.contacts.models import CustomField
from hushpost.imports.models import ImportKind, ImportRun, ImportStatus, RowOutcome
from hushpost.imports.pipeline import create_run, start_run
from hushpost.imports.readers import ImportRefused
from hushpost.imports.report import rejected_rows_csv
from hushpost.imports.uploads import keep_upload_in_memory, upload_too_large
from hushpost.web.decorators import staff_required
from hushpost.web.import_forms import MappingForm, UploadForm

ROWS_PAGE_SIZE = 50
RECENT_IMPORTS = 10
NAV: dict[str, str] = {ImportKind.CONTACTS: "contacts", ImportKind.APPOINTMENTS: "appointments"}
# The report's filter: the outcomes, and rows that imported with a warning.
FILTERS = [("", _("All rows")), *RowOutcome.choices, ("warned", _("With a warning"))]


@csrf_exempt
def import_new(request, kind=ImportKind.CONTACTS):
    # Upload handlers can only change before anything reads the body, which
    # CSRF middleware would do; the CSRF check runs right after instead.
    keep_upload_in_memory(request)
    return _import_new(request, kind=kind)


@csrf_protect
@staff_required
def _import_new(request, kind):
    posted = request.method == "POST"
    form = UploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        kind=kind,
        too_large=upload_too_large(request),
    )
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = create_run(
                request.org, kind=kind, file_name=upload.name, data=upload.read(), user=request.user
            )
        except ImportRefused as error:
            form.add_error("file", str(error))
        else:
            if run.status == ImportStatus.MAPPING:
                return redirect("web:import_mapping", run_id=run.pk)
            return redirect("web:import_detail", run_id=run.pk)
    recent = (
        ImportRun.objects.for_org(request.org).filter(kind=kind).select_related("created_by")
    )[:RECENT_IMPORTS]
    context = {"nav": NAV[kind], "form": form, "recent": recent, "kind": kind}
    return render(request, "web/imports/new.html", context)


def _find(request, run_id) -> ImportRun:
    return get_object_or_404(ImportRun.objects.for_org(request.org), pk=run_id)


@staff_required
def import_mapping(request, run_id):
    run = _find(request, run_id)
    if run.status != ImportStatus.MAPPING:
        return redirect("web:import_detail", run_id=run.pk)
    fields = list(CustomField.objects.for_org(request.org))
    form = MappingForm(request.POST or None, run=run, fields=fields, samples=sample_rows(run))
    if request.method == "POST" and form.is_valid():
        start_run(run, form.mapping, {"on_duplicate": form.cleaned_data["on_duplicate"]})
        return redirect("web:import_detail", run_id=run.pk)
    return render(
        request, "web/imports/mapping.html", {"nav": NAV[run.kind], "form": form, "run": run}
    )


@staff_required
def import_detail(request, run_id):
    run = _find(request, run_id)
    if run.status == ImportStatus.MAPPING:
        return redirect("web:import_mapping", run_id=run.pk)
    shown = request.GET.get("outcome", "")
    rows = run.rows.all()
    if shown == "warned":
        rows = rows.exclude(Q(warnings=[]) | Q(warnings__isnull=True))
    elif shown in RowOutcome.values:
        rows = rows.filter(outcome=shown)
    page = Paginator(rows, ROWS_PAGE_SIZE).get_page(request.GET.get("page"))
    name_column = next((int(i) for i, target in run.mapping.items() if target == "name"), None)
    settled = sum(run.counts.values())
    context = {
        "nav": NAV[run.kind],
        "run": run,
        "page": page,
        "rows": [(row, _cell(row.values, name_column)) for row in page],
        "filters": FILTERS,
        "shown": shown,
        "extra_query": urlencode({"outcome": shown}) + "&" if shown else "",
        "blank_rows": max(run.rows_done - settled, 0) if run.format != "ics" else 0,
    }
    return render(request, "web/imports/detail.html", context)


@staff_required
def import_rejected_csv(request, run_id):
    run = _find(request, run_id)
    if run.format != "csv":
        raise Http404(_("Only a CSV import has rows to download."))
    # The BOM makes Excel read the file as UTF-8; the import accepts it back.
    response = HttpResponse(
        "\ufeff" + rejected_rows_csv(run), content_type="text/csv; charset=utf-8"
    )
    record_export(
        request.org,
        actor=request.user,
        export="rejected_rows",
        rows=run.rejected_count,
        import_id=str(run.pk),
    )
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{run.pk}.csv"'
    return response


def _cell(values: list[str] | None, index: int | None) -> str:
    return values[index] if values and index is not None and index < len(values) else ""
