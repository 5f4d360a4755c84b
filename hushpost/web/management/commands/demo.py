from django.core.management.base import BaseCommand, CommandError

from hushpost.accounts.models import User
from hushpost.web.demo import DEMO_EMAIL, demo_sign_in_lines, ensure_demo, reset_demo_password


class Command(BaseCommand):
    help = "Create the demo organization on an empty database, and print how to sign in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-password", action="store_true", help="give the demo owner a new password"
        )
        parser.add_argument("--print", action="store_true", help="print the demo sign-in")

    def handle(self, *args, reset_password=False, print=False, **options):
        created = ensure_demo()
        if created:
            self.stdout.write("Created the demo organization (slug: demo).")
        if reset_password:
            if not User.objects.filter(email=DEMO_EMAIL).exists():
                raise CommandError(f"There is no {DEMO_EMAIL} user to reset.")
            reset_demo_password()
            print = True
        if print:
            for line in demo_sign_in_lines():
                self.stdout.write(line)
