"""CSV contact import: upload, map the columns, follow the progress, download what was rejected."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from hushpost.activity.export import record_export
from hushpost.contacts.csv_import import create_import, rejected_rows_csv, sample_rows, start_import
from hushpost.contacts.models import ContactImport, CustomField, ImportStatus
from hushpost.web.decorators import staff_required
from hushpost.web.import_forms import KeepUploadInMemory, MappingForm, UploadForm, upload_too_large

REJECTIONS_PAGE_SIZE = 50
RECENT_IMPORTS = 10


@csrf_exempt
def import_new(request):
    # Upload handlers can only change before anything reads the body, which
    # CSRF middleware would do; the CSRF check runs right after instead.
    request.upload_handlers = [KeepUploadInMemory(request)]
    return _import_new(request)


@csrf_protect
@staff_required
def _import_new(request):
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, too_large=upload_too_large(request))
        if form.is_valid():
            upload = form.cleaned_data["file"]
            contact_import = create_import(request.org, request.user, upload.name, form.parsed)
            return redirect("web:import_mapping", import_id=contact_import.pk)
    else:
        form = UploadForm()
    recent = ContactImport.objects.for_org(request.org).select_related("created_by")[
        :RECENT_IMPORTS
    ]
    return render(
        request, "web/imports/new.html", {"nav": "contacts", "form": form, "recent": recent}
    )


@staff_required
def import_mapping(request, import_id):
    contact_import = get_object_or_404(ContactImport.objects.for_org(request.org), pk=import_id)
    if contact_import.status != ImportStatus.MAPPING:
        return redirect("web:import_detail", import_id=contact_import.pk)
    fields = list(CustomField.objects.for_org(request.org))
    form = MappingForm(
        request.POST or None,
        contact_import=contact_import,
        fields=fields,
        samples=sample_rows(contact_import),
    )
    if request.method == "POST" and form.is_valid():
        start_import(contact_import, form.mapping, form.cleaned_data["on_duplicate"])
        return redirect("web:import_detail", import_id=contact_import.pk)
    return render(
        request,
        "web/imports/mapping.html",
        {"nav": "contacts", "form": form, "contact_import": contact_import},
    )


@staff_required
def import_detail(request, import_id):
    contact_import = get_object_or_404(ContactImport.objects.for_org(request.org), pk=import_id)
    if contact_import.status == ImportStatus.MAPPING:
        return redirect("web:import_mapping", import_id=contact_import.pk)
    page = Paginator(contact_import.rejections.all(), REJECTIONS_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    name_column = next(
        (int(i) for i, target in contact_import.mapping.items() if target == "name"), None
    )
    rejections = [(rejection, _cell(rejection.values, name_column)) for rejection in page]
    settled = (
        contact_import.created_count + contact_import.updated_count + contact_import.rejected_count
    )
    context = {
        "nav": "contacts",
        "contact_import": contact_import,
        "page": page,
        "rejections": rejections,
        "blank_rows": max(contact_import.rows_done - settled, 0),
    }
    return render(request, "web/imports/detail.html", context)


@staff_required
def import_rejected_csv(request, import_id):
    contact_import = get_object_or_404(ContactImport.objects.for_org(request.org), pk=import_id)
    # The BOM makes Excel read the file as UTF-8; the import accepts it back.
    response = HttpResponse(
        "\ufeff" + rejected_rows_csv(contact_import), content_type="text/csv; charset=utf-8"
    )
    record_export(
        request.org,
        actor=request.user,
        export="rejected_rows",
        rows=contact_import.rejections.count(),
        contact_import=contact_import.pk,
    )
    response["Content-Disposition"] = (
        f'attachment; filename="rejected-rows-{contact_import.pk}.csv"'
    )
    return response


def _cell(values: list[str], index: int | None) -> str:
    return values[index] if index is not None and index < len(values) else ""
