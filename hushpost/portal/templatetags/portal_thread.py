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
            '      <time datetime="{}">{} {}</time></p>\n',
            "msg-mine" if inbound else "msg-theirs",
            SafeString(' id="latest"') if last else "",
            gettext("You") if inbound else organization.company_name,
            dateformat.format(when, "c"),
            formats.date_format(when, "DATETIME_FORMAT"),
            # The zone with the time ("10:07 p.m. PST"): a contact may be elsewhere.
            dateformat.format(when, "T"),
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
    """A message's files, and its end."""
    files = message.attachments.all()
    parts = []
    if files:
        items = format_html_join(
            "",
            '<li><a href="{}" download>{} {}</a> <small>{}</small></li>',
            (
                (
                    reverse("portal:attachment", args=[file.id]),
                    FILE_ICON,
                    file.file_name,
                    filesizeformat(file.size),
                )
                for file in files
            ),
        )
        parts.append(
            format_html(
                '    <ul class="msg-files" aria-label="{}">\n      {}\n    </ul>\n',
                gettext("Attachments"),
                items,
            )
        )
    parts.append(SafeString("  </li>"))
    return SafeString("".join(parts))
