"""The audit trail: who accessed what, and who changed access or configuration.

A view over the one activity log, not a second log: the staff and security
kinds below, without the message lifecycle (queued, sent, clicked, …) that
the Activity page already shows. Owners read it on the Audit page and export it.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from hushpost.activity.models import Event, EventKind
from hushpost.activity.queries import filter_events

# Who signed in when, from where, and with what second factor.
SIGN_IN_KINDS: tuple[EventKind, ...] = (
    EventKind.SIGNED_IN,
    EventKind.SIGNED_OUT,
    EventKind.SIGN_IN_FAILED,
    EventKind.SIGN_IN_LOCKED,
    EventKind.SIGNED_OUT_EVERYWHERE,
    EventKind.TWO_FACTOR_ENABLED,
    EventKind.TWO_FACTOR_DISABLED,
)
AUDIT_KINDS: tuple[EventKind, ...] = (
    EventKind.STAFF_VIEWED_CONVERSATION,
    EventKind.SENSITIVE_VALUE_REVEALED,
    EventKind.ACTIVITY_EXPORTED,
    EventKind.SETTINGS_CHANGED,
    EventKind.FIELDS_CHANGED,
    EventKind.USER_CHANGED,
    EventKind.API_KEY_CREATED,
    EventKind.API_KEY_REVOKED,
    EventKind.LINK_REVOKED,
    EventKind.LINK_UNLOCKED,
    *SIGN_IN_KINDS,
    EventKind.CONTACT_DELETED,
    EventKind.DATA_PURGED,
)
AUDIT_KIND_VALUES = frozenset(kind.value for kind in AUDIT_KINDS)

# Who signed in when, from where, and who exported what: about the staff
# themselves, so only owners see these (on the Audit page and in the Activity
# log). Everyone keeps seeing the changes to settings, users, keys and links
# they work with.
OWNER_ONLY_KINDS = frozenset(kind.value for kind in (*SIGN_IN_KINDS, EventKind.ACTIVITY_EXPORTED))

# A person filter names a staff user by id, or an actor with no user (an API
# key, a command, "system") by the label the log kept.
USER_PREFIX = "user:"
LABEL_PREFIX = "label:"


def is_audit_kind(kind: str) -> bool:
    return kind in AUDIT_KIND_VALUES


def audit_events(
    organization,
    *,
    person: str = "",
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    zone: dt.tzinfo | None = None,
) -> QuerySet[Event]:
    """The organization's audit events, newest first; a kind outside the trail matches nothing."""
    if kind and not is_audit_kind(kind):
        return Event.objects.none()
    events = filter_events(organization, kind=kind, date_from=date_from, date_to=date_to, zone=zone)
    events = events.filter(kind__in=AUDIT_KIND_VALUES).select_related("actor")
    if person.startswith(USER_PREFIX):
        user_id = person.removeprefix(USER_PREFIX)
        events = events.filter(actor_id=int(user_id)) if user_id.isdigit() else events.none()
    elif person.startswith(LABEL_PREFIX):
        events = events.filter(actor__isnull=True, actor_label=person.removeprefix(LABEL_PREFIX))
    elif person:
        events = events.none()
    return events


def visible_to(events: QuerySet[Event], user) -> QuerySet[Event]:
    """The events this staff user may read in the Activity log: all for owners, the rest
    without OWNER_ONLY_KINDS."""
    return events if getattr(user, "is_owner", False) else events.exclude(kind__in=OWNER_ONLY_KINDS)


def unattached_actor_labels(organization) -> list[str]:
    """Who acted without a staff user (API keys, commands), for the person filter."""
    labels = (
        Event.objects.for_org(organization)
        .filter(kind__in=AUDIT_KIND_VALUES, actor__isnull=True)
        .exclude(actor_label="")
        .values_list("actor_label", flat=True)
        .distinct()
        .order_by("actor_label")
    )
    return list(labels)
