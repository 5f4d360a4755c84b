"""Placeholder until this section is built."""

from django.http import HttpResponse

from hushpost.web.decorators import staff_required


@staff_required
def field_list(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def field_edit(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def field_delete(request, *args, **kwargs):
    return HttpResponse("not yet")
