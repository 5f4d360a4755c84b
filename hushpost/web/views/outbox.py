"""Placeholder until this section is built."""

from django.http import HttpResponse

from hushpost.web.decorators import staff_required


@staff_required
def outbox_list(request, *args, **kwargs):
    return HttpResponse("not yet")
