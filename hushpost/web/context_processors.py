from django.conf import settings

from hushpost.delivery.channels import mail_configured, twilio_configured


def development_outbox(request):
    """Show the outbox link while any channel still goes to the development outbox."""
    uses_outbox = not mail_configured() or not twilio_configured()
    return {"dev_outbox": uses_outbox and not settings.PRODUCTION}
