"""The contact's thread as HTML, in Python, in one tag.

The conversation page is the one page every contact opens, many at once after a
large send. Written as template tags and filters it cost about a millisecond a
message; as a tag per message, the template's loop around them still cost as
much as the messages themselves. Here the whole list is one tag and plain string
work (every value from a message is escaped with html.escape, as Django's
escape does), rendered inside the page's own language and time zone overrides
(render_page) like the rest. Only a reminder's answer buttons go through a
template (portal/_appointment_answer.html), with the page's own context.
"""

from __future__ import annotations

import html
from datetime import datetime, tzinfo
from functools import lru_cache

from django import template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import dateformat, formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext

register = template.Library()

FILE_ICON = (
    '<svg aria-hidden="true" viewBox="0 0 16 16" width="14" height="14"><path d="M4 1.5h5l3.5 '
    "3.5v9A1.5 1.5 0 0 1 11 15.5H4A1.5 1.5 0 0 1 2.5 14V3A1.5 1.5 0 0 1 4 1.5zm4.5 1.2V5.5h2.8z"
    '" fill="currentColor"/></svg>'
)
APPOINTMENT = "portal/_appointment_answer.html"
LATEST = ' id="latest"'


@lru_cache(maxsize=20_000)
def _when(created_at: datetime, zone: tzinfo, language: str | None, shape: str) -> tuple[str, str]:
    """A message's time for <time datetime>, and as the page shows it (escaped).

    Kept per process: the formatter costs as much as all the rest of a message, and a
    contact reloading sees the same times again. The key holds what the result depends
    on (the active language and time zone of the page, render_page's overrides).
    """
    when = timezone.localtime(created_at, zone)
    return when.isoformat(), html.escape(dateformat.format(when, shape))


def _text(value) -> str:
    """Escaped, line breaks as <br> (what `linebreaksbr` with autoescape gives)."""
    text = html.escape(str(value)).replace("\r\n", "\n").replace("\r", "\n")
    return text.replace("\n", "<br>")


@register.simple_tag(takes_context=True)
def thread_items(context, messages, organization) -> SafeString:
    """Every message of `messages` (from messaging.conversations.thread_to_show) as an
    <li>: who, when, subject, body, a reminder's answer buttons, files. The last
    one is `#latest`, where the page opens."""
    if not messages:
        # Not inside the f-string: xgettext (makemessages) doesn't look in there.
        none_yet = html.escape(gettext("There are no messages yet."))
        return SafeString(f'  <li class="msg-none">{none_yet}</li>')
    theirs = html.escape(organization.company_name)
    you = html.escape(gettext("You"))
    # The page's date and time, then the zone ("10:07 p.m. PST": a contact may be
    # elsewhere), in one pass of the formatter.
    when_format = formats.get_format("DATETIME_FORMAT") + " T"
    zone, language = timezone.get_current_timezone(), get_language()
    files_label = html.escape(gettext("Attachments"))
    answer_url = reverse("portal:conversation_answer")
    last = len(messages) - 1
    parts: list[str] = []
    for index, message in enumerate(messages):
        inbound = message.direction == "inbound"
        stamp, shown = _when(message.created_at, zone, language, when_format)
        parts.append(
            f'<li class="msg {"msg-mine" if inbound else "msg-theirs"}"'
            f"{LATEST if index == last else ''}>\n"
            f'    <p class="msg-meta"><span class="msg-who">{you if inbound else theirs}</span>\n'
            f'      <time datetime="{stamp}">{shown}</time></p>\n'
        )
        # dir="auto": a reply in Arabic reads right to left on an English page, and back.
        subject, body = message.subject, message.body
        if subject:
            parts.append(f'    <p class="msg-subject" dir="auto">{html.escape(subject)}</p>\n')
        if body:
            parts.append(f'    <p class="msg-body" dir="auto">{_text(body)}</p>\n')
        appointment = getattr(message, "appointment", None)
        if appointment:
            parts.append(_appointment(context, appointment, answer_url))
        if message.files:
            items = "".join(
                f'<li><a href="{reverse("portal:attachment", args=[file_id])}" download>'
                f"{FILE_ICON} {html.escape(name)}</a> <small>{filesizeformat(size)}</small></li>"
                for file_id, name, size in message.files
            )
            parts.append(
                f'    <ul class="msg-files" aria-label="{files_label}">\n      {items}\n    </ul>\n'
            )
        parts.append("  </li>")
    return SafeString("".join(parts))


def _appointment(context, appointment, answer_url: str) -> str:
    # Through the page's own context: its CSRF token, language and request.
    found = context.template.engine.get_template(APPOINTMENT)
    with context.push(appointment=appointment, action=answer_url, started=False):
        return found.render(context)
