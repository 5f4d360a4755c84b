from django import template

from hushpost.contacts.phones import display_phone

register = template.Library()


@register.filter
def phone(e164: str) -> str:
    """+14155550100 → +1 415-555-0100, for reading; forms and exports keep E.164."""
    return display_phone(e164)
