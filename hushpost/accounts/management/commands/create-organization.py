import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from hushpost.accounts.models import Organization, Role, User


class Command(BaseCommand):
    help = "Create an organization and its first owner; prints the owner's one-time password."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True)
        parser.add_argument("--slug", required=True)
        parser.add_argument("--owner-email", required=True)
        parser.add_argument("--company-name", help="how messages name you (default: the name)")
        parser.add_argument("--time-zone", default="UTC")
        parser.add_argument(
            "--country", default="US", help="two-letter code: the default for phone numbers"
        )

    @transaction.atomic
    def handle(self, *args, name, slug, owner_email, company_name, time_zone, country, **options):
        email = owner_email.strip().lower()
        if User.objects.filter(email=email).exists():
            raise CommandError(f"{email} already has an account; use another email.")
        org = Organization(
            name=name,
            company_name=company_name or name,
            slug=slug,
            time_zone=time_zone,
            country=country.upper(),
        )
        try:
            org.full_clean()
        except ValidationError as error:
            problems = "; ".join(
                f"--{field.replace('_', '-')}: {' '.join(msgs)}"
                for field, msgs in error.message_dict.items()
            )
            raise CommandError(problems) from None
        org.save()
        password = secrets.token_urlsafe(12)
        User.objects.create_user(email, password, organization=org, role=Role.OWNER)
        self.stdout.write(f"Created {org.name} ({org.slug}) with owner {email}")
        self.stdout.write(f"password: {password}")
