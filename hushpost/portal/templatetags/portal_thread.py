"""The contact's thread as HTML, one message at a time, in Python.

The conversation page is the one page every contact opens, many at once after a
large send; written as template tags and filters it cost about a millisecond a
message. Here it is the same markup for a fraction of that, rendered inside the
page's own language and time zone overrides (render_page) like the rest.
"""

from __future__ import annotations

from django import template
from django.template.defaultfilters import filesizeformat, linebreaksbr
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()

FILE_ICON = SafeString(
    '<svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14"><path d="M4 1.5h5l3.5 '
    "3.5v9A1.5 1.5 0 0 1 11 15.5H4A1.5 1.5 0 0 1 2.5 14V3A1.5 1.5 0 0 1 4 1.5zm4.5 1.2V5.5h2.8z"
    '" fill="currentColor"/></svg>'
)
END = SafeString("  </li>")


@register.simple_tag
def thread_item_head(message, organization, last: bool) -> SafeString:
    """A message's opening: who, when, subject and body (the template adds what
    follows the body, such as a reminder's answer buttons, then thread_item_files)."""
    inbound = message.direction == "inbound"
    body, subject = message.body, message.subject
    when = timezone.localtime(message.created_at)
    parts = [
        format_html(
            '<li class="msg {}"{}>\n    <p class="msg-meta"><span class="msg-who">{}</span>\n'
            '      <time datetime="{}">{}</time></p>\n',
            "msg-mine" if inbound else "msg-theirs",
            SafeString(' id="latest"') if last else "",
            gettext("You") if inbound else organization.company_name,
            # What the "c" format gives, without building a formatter for it.
            when.isoformat(),
            # The page's date and time, then the zone ("10:07 p.m. PST": a contact
            # may be elsewhere), in one pass of the formatter instead of two.
            dateformat.format(when, formats.get_format("DATETIME_FORMAT") + " T"),
        )
    ]
    # dir="auto": a reply in Arabic reads right to left on an English page, and back.
    if subject:
        parts.append(format_html('    <p class="msg-subject" dir="auto">{}</p>\n', subject))
    if body:
        parts.append(
            format_html('    <p class="msg-body" dir="auto">{}</p>\n', linebreaksbr(body, True))
        )
    return SafeString("".join(parts))


@register.simple_tag
def thread_item_files(message) -> SafeString:
    """A message's files (`files` from messaging.conversations.thread_to_show), and its end."""
    if not message.files:
        return END
    items = format_html_join(
        "",
        '<li><a href="{}" download>{} {}</a> <small>{}</small></li>',
        (
            (reverse("portal:attachment", args=[file_id]), FILE_ICON, name, filesizeformat(size))
            for file_id, name, size in message.files
        ),
    )
    return format_html(
        '    <ul class="msg-files" aria-label="{}">\n      {}\n    </ul>\n{}',
        gettext("Attachments"),
        items,
        END,
    )
