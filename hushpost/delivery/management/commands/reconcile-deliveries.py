from django.core.management.base import BaseCommand, CommandError

from hushpost.delivery import retry_policy
from hushpost.delivery.channels import twilio_configured
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.reconcile import BATCH, ambiguous_sms, reconcile


class Command(BaseCommand):
    help = (
        "Ask Twilio about text messages that failed as 'may have been sent': "
        "the ones it has take Twilio's status (sent, delivered or failed), "
        "queue again the ones it never got. "
        "The scheduler does this every tick; safe to run at any time."
    )

    def handle(self, *args, **options):
        waiting = ambiguous_sms().count()
        if waiting and not twilio_configured():
            raise CommandError(
                f"{waiting} ambiguous text messages, but Twilio is not configured "
                "(TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN): nothing can be checked."
            )
        totals = {"found": 0, "failed": 0, "not_found": 0, "unknown": 0}
        while True:
            outcomes = reconcile()
            for outcome, count in outcomes.items():
                totals[outcome] += count
            settled = outcomes["found"] + outcomes["failed"] + outcomes["not_found"]
            # A full batch that settled something may have more behind it.
            if settled == 0 or sum(outcomes.values()) < BATCH:
                break
        email = (
            Delivery.objects.filter(
                status=DeliveryStatus.FAILED, error_code=retry_policy.AMBIGUOUS_CODE
            )
            .exclude(channel="sms")
            .count()
        )
        self.stdout.write(
            f"Sent according to Twilio: {totals['found']}. "
            f"Failed according to Twilio: {totals['failed']}. "
            f"Queued again (Twilio never got them): {totals['not_found']}. "
            f"Still unknown (too recent or Twilio unreachable): {totals['unknown']}. "
            f"Email and calls for staff to check: {email}."
        )
