"""The shell: home, and the sections later issues fill (Inbox and Compose have their own modules)."""

from django.shortcuts import redirect, render

from hushpost.web.decorators import staff_required

COMING = {
    "appointments": ("Appointments", "Appointments and their automated reminders will appear here."),
}


@staff_required
def home(request):
    return redirect("web:contact_list")


def _not_yet(section):
    @staff_required
    def view(request):
        title, text = COMING[section]
        return render(request, "web/not_yet.html", {"nav": section, "title": title, "text": text})

    view.__name__ = section
    return view


appointments = _not_yet("appointments")
