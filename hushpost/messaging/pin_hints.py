"""R12: the PIN hint an organization writes, shown above the PIN box.

The hint is a Liquid template over the contact's fields ("the last four
digits of {{ contact.phone }}" would give the PIN away, so it may not name the
field a PIN comes from). It is refused on save when it could contain the PIN:
a field the default PIN template reads, a sensitive custom field or one named
like a PIN, or the literal default PIN. At render time each word of the
rendered hint is also compared with the link's own PIN, so a hint that became
unsafe later (a new default PIN) is simply not shown.
"""

from __future__ import annotations

import re

from hushpost.accounts.models import Organization
from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.links import normalize_pin, pin_matches
from hushpost.messaging.models import SecureLink, SecureMessagingSettings
from hushpost.messaging.pins import is_template
from hushpost.messaging.rendering import TemplateInvalid, fields_used, problems_in, render
from hushpost.messaging.template_fields import contact_context, contact_spec

# Pieces of a rendered hint that could be a PIN on their own: words, digit runs,
# and the letters-and-digits runs inside them ("DOB:01021990" → "01021990").
_WORDS = re.compile(r"\S+")
_RUNS = re.compile(r"[^\W_]+")


def _pin_like_fields(organization: Organization) -> set[str]:
    fields = CustomField.objects.for_org(organization)
    return {
        f"custom.{field.key}"
        for field in fields
        if field.sensitive or "pin" in field.key.lower() or "pin" in field.label.lower()
    }


def hint_problems(hint: str, organization: Organization) -> list[str]:
    """Why this hint can't be saved; empty when it can."""
    hint = hint.strip()
    if not hint:
        return []
    problems = [str(problem) for problem in problems_in(hint, contact_spec(organization))]
    if problems:
        return problems
    default = SecureMessagingSettings.objects.for_org(organization).default_pin.strip()
    forbidden = _pin_like_fields(organization)
    if default and is_template(default):
        forbidden |= fields_used(default)
    used = sorted(fields_used(hint) & forbidden)
    if used:
        return [
            f"the hint uses {', '.join('{{ ' + name + ' }}' for name in used)}, "
            "which the PIN can come from; describe the PIN instead of showing it"
        ]
    if default and not is_template(default) and normalize_pin(default) in normalize_pin(hint):
        return ["the hint contains the default PIN itself"]
    return []


def hint_for(link: SecureLink) -> str:
    """The organization's hint for this link's contact; empty when there is none or
    when it would show the link's PIN."""
    organization = link.organization
    source = organization.pin_hint.strip()
    if not source or not link.has_pin:
        return ""
    contact: Contact = link.contact
    try:
        text = render(source, contact_context(contact)).strip() if is_template(source) else source
    except TemplateInvalid:
        return ""
    pieces = {text, *_WORDS.findall(text), *_RUNS.findall(text)}
    if any(pin_matches(link, piece) for piece in pieces):
        return ""
    return text
