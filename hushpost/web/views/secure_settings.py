"""Placeholder until this section is built."""

from django.http import HttpResponse

from hushpost.web.decorators import staff_required


@staff_required
def secure_settings(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def secure_settings_preview(request, *args, **kwargs):
    return HttpResponse("not yet")
