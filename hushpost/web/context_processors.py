import functools

from django.conf import settings

from hushpost.delivery.channels import mail_configured, twilio_configured
from hushpost.messaging.models import Conversation


def development_outbox(request):
    """Show the outbox link while any channel still goes to the development outbox."""
    uses_outbox = not mail_configured() or not twilio_configured()
    return {"dev_outbox": uses_outbox and not settings.PRODUCTION}


def inbox_unread(request):
    """The unread count beside Inbox in the menu: the same number the Inbox and Home show."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.organization_id:
        return {}
    # A callable: templates call it where they show the count, and the cache
    # keeps it to one query however many places do (the menu is on the page twice).
    return {
        "inbox_unread": functools.cache(
            Conversation.objects.for_org(user.organization_id).unread_replies
        )
    }
