from django.conf import settings


def development_outbox(request):
    """Show the outbox link while any channel still goes to the development outbox."""
    uses_outbox = not settings.SMTP_HOST or not settings.TWILIO_ACCOUNT_SID
    return {"dev_outbox": uses_outbox and not settings.PRODUCTION}
