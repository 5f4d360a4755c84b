"""Appointments → Calendar feeds: owners and admins add, change, sync and delete the
calendars the scheduler keeps in sync, and see each one's last poll and its report.

The rules are hushpost.imports.feeds' and the polling hushpost.imports.feed_polling's;
a poll's report is the import's own page (web:import_detail).
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _

from hushpost.imports.feed_polling import poll_feed
from hushpost.imports.feeds import FeedInvalid, create_feed, delete_feed, update_feed
from hushpost.imports.models import CalendarFeed, FeedOutcome, ImportRun
from hushpost.web.calendar_feed_forms import CalendarFeedForm
from hushpost.web.decorators import admin_required

NAV = "calendar_feeds"
RECENT_RUNS = 10
SAID: dict[str, str] = {
    FeedOutcome.IMPORTED: "The calendar changed: its import has started.",
    FeedOutcome.UNCHANGED: "The calendar has not changed since the last sync.",
    FeedOutcome.NOT_MODIFIED: "The calendar has not changed since the last sync.",
}


def _feed(request, feed_id) -> CalendarFeed:
    return get_object_or_404(
        CalendarFeed.objects.for_org(request.org).select_related("last_run", "organization"),
        pk=feed_id,
    )


@admin_required
def feed_list(request):
    form = CalendarFeedForm(request.POST or None, organization=request.org)
    if request.method == "POST" and form.is_valid():
        try:
            feed = create_feed(request.org, **form.cleaned_data, actor=request.user)
        except FeedInvalid as error:
            form.add_problems(error.problems)
        else:
            messages.success(
                request, f"Calendar feed “{feed.name}” added; it syncs within a minute."
            )
            return redirect("web:calendar_feed_detail", feed_id=feed.pk)
    feeds = CalendarFeed.objects.for_org(request.org).select_related("last_run")
    return render(
        request, "web/calendar_feeds/list.html", {"nav": NAV, "feeds": feeds, "form": form}
    )


@admin_required
def feed_detail(request, feed_id):
    feed = _feed(request, feed_id)
    form = CalendarFeedForm(request.POST or None, organization=request.org, feed=feed)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data["url"]:
            del data["url"]
        try:
            changed = update_feed(feed, **data, actor=request.user)
        except FeedInvalid as error:
            form.add_problems(error.problems)
        else:
            if changed:
                messages.success(request, _("Calendar feed saved."))
            return redirect("web:calendar_feed_detail", feed_id=feed.pk)
    runs = ImportRun.objects.for_org(request.org).filter(options__feed=str(feed.pk))
    context = {"nav": NAV, "feed": feed, "form": form, "runs": runs[:RECENT_RUNS]}
    return render(request, "web/calendar_feeds/detail.html", context)


@admin_required
def feed_sync(request, feed_id):
    feed = _feed(request, feed_id)  # another organization's id is a 404 first
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    poll = poll_feed(feed)
    if poll.outcome in SAID:
        messages.success(request, SAID[poll.outcome])
    elif poll.outcome == "busy":
        messages.warning(request, _("The last sync is still being imported; try again shortly."))
    else:
        messages.error(request, f"The sync failed: {poll.reason}.")
    return redirect("web:calendar_feed_detail", feed_id=feed.pk)


@admin_required
def feed_delete(request, feed_id):
    feed = _feed(request, feed_id)
    if request.method == "POST":
        delete_feed(feed, actor=request.user)
        messages.success(
            request, f"Calendar feed “{feed.name}” deleted; its appointments were kept."
        )
        return redirect("web:calendar_feeds")
    return render(request, "web/calendar_feeds/delete.html", {"nav": NAV, "feed": feed})
