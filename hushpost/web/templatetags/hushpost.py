from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from hushpost.contacts.phones import display_phone
from hushpost.contacts.sensitive import mask
from hushpost.imports import reason_texts
from hushpost.languages import language_name
from hushpost.messaging.links import mask_address
from hushpost.web import time_format

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """+14155550100 → +1 415-555-0100, for reading; forms and exports keep E.164."""
    return display_phone(e164)


def _time_tag(value, text: str):
    if not value:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), text)


@register.filter
def when(value):
    """Every date and time on staff pages: <time> with "Tue 8 Dec 2026, 9:30 a.m. EST"."""
    return _time_tag(value, time_format.date_time(value)) if value else ""


@register.filter
def clock(value):
    """The time of day alone ("9:30 a.m."), where the day is already a heading."""
    return _time_tag(value, time_format.time_of_day(value)) if value else ""


@register.filter
def day(value):
    """ "Tuesday 8 December 2026", for headings."""
    return time_format.day(value) if value else ""


@register.filter
def short_day(value):
    """ "Tue 8 Dec", for a week's columns."""
    return time_format.short_day(value) if value else ""


@register.filter(name="language_name")
def language_name_filter(code: str) -> str:
    """ "es" → "Spanish", "Español", "Spanisch": named in the reader's language."""
    return language_name(code) if code else ""


@register.simple_tag
def zone_note():
    """Said once above a list of times: which zone they are in."""
    return _("Times in %(zone)s.") % {"zone": time_format.zone_description()}


@register.filter
def masked_to(delivery) -> str:
    """Where a delivery went, masked for records: •••-•••-1234, j•••@example.com."""
    return mask_address(delivery.channel, delivery.to) or "—"


@register.filter
def masked(text, secrets):
    """A preview's text with the contact's PIN and sensitive values as ••••."""
    if not text or not secrets:
        return text
    return mask(str(text), secrets)


@register.filter
def when_text(value) -> str:
    """The same words as `when`, as plain text (inside an <option>, a title)."""
    return time_format.date_time(value) if value else ""


@register.filter
def import_reason(stored: str) -> str:
    """An import row's stored (English) reason or warning in the staff member's language."""
    return reason_texts.shown(stored)
