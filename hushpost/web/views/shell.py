"""The shell: home (each section has its own module)."""

from django.shortcuts import redirect

from hushpost.web.decorators import staff_required


@staff_required
def home(request):
    return redirect("web:contact_list")
