"""The shell: home, and the sections later issues fill."""

from django.shortcuts import redirect, render

from hushpost.web.decorators import staff_required

COMING = {
    "inbox": ("Inbox", "Conversations with contacts and their replies will appear here."),
    "appointments": ("Appointments", "Appointments and their automated reminders will appear here."),
    "compose": ("Compose", "Writing and sending one-time and secure messages will be here."),
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


inbox = _not_yet("inbox")
appointments = _not_yet("appointments")
compose = _not_yet("compose")
