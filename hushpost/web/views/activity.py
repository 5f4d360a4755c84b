"""Placeholder until this section is built."""

from django.http import HttpResponse

from hushpost.web.decorators import staff_required


@staff_required
def activity_log(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def activity_export(request, *args, **kwargs):
    return HttpResponse("not yet")
