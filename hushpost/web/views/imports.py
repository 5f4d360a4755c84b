"""Placeholder until this section is built."""

from django.http import HttpResponse

from hushpost.web.decorators import staff_required


@staff_required
def import_new(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def import_detail(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def import_mapping(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def import_rejected_csv(request, *args, **kwargs):
    return HttpResponse("not yet")
