"""Placeholder until this section is built."""

from django.http import HttpResponse

from hushpost.web.decorators import staff_required


@staff_required
def user_list(request, *args, **kwargs):
    return HttpResponse("not yet")


@staff_required
def user_edit(request, *args, **kwargs):
    return HttpResponse("not yet")
