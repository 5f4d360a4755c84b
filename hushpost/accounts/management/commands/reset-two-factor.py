from django.core.management.base import BaseCommand, CommandError

from hushpost.accounts import two_factor
from hushpost.accounts.models import User


class Command(BaseCommand):
    help = (
        "Turn off two-factor sign-in for a staff user who lost their phone and backup codes "
        "(their password signs them in again; a required two-factor asks them to set it up anew)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--email", required=True, help="the staff user's email")

    def handle(self, *args, email, **options):
        user = User.objects.filter(email=email.strip().lower()).first()
        if user is None:
            raise CommandError(f"No staff user has the email {email.strip()}.")
        if not two_factor.disable(user, actor_label="operator: reset-two-factor"):
            raise CommandError(f"{user.email} has no two-factor sign-in to reset.")
        self.stdout.write(
            f"Two-factor sign-in reset for {user.email}; they sign in with their password now."
        )
