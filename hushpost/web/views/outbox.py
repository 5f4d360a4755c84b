"""The development outbox: what would have been sent, for trying Hushpost on one machine."""

import re

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from hushpost.accounts.models import User
from hushpost.delivery.models import OutboxEntry
from hushpost.web.decorators import staff_required

PAGE_SIZE = 50
# A contact's link as messaging.links.link_url makes it: whatever the host, /s/ and a token.
SECURE_LINK = re.compile(r"https?://[^\s<>\"']+/s/[A-Za-z0-9_-]{20,}")


def visible_entries(user):
    """The organization's messages, plus staff emails (which have no
    organization) meant for this user.

    Owners and admins also see the invitations of users who have not yet
    chosen a password: they could send those links again anyway, and in the
    demo there is no other way to read them.
    """
    own_mail = Q(organization__isnull=True, to__iexact=user.email)
    visible = Q(organization=user.organization) | own_mail
    if user.is_org_admin:
        invited = User.objects.for_org(user.organization).filter(
            is_active=True, last_login__isnull=True, password__startswith=UNUSABLE_PASSWORD_PREFIX
        )
        visible |= Q(organization__isnull=True, to__in=invited.values("email"))
    return OutboxEntry.objects.filter(visible)


def secure_links(text: str) -> list[str]:
    """The secure links in a notification, each once, in order."""
    return list(dict.fromkeys(SECURE_LINK.findall(text)))


@staff_required
def outbox_list(request):
    if settings.PRODUCTION:
        raise Http404(_("The development outbox is off in production."))
    entries = (
        visible_entries(request.user)
        .select_related("delivery__contact")
        .order_by("-created_at", "-id")
    )
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    for entry in page.object_list:
        entry.secure_links = secure_links(entry.body)
    return render(request, "web/outbox/list.html", {"nav": "outbox", "page": page})
