from django.apps import apps
from django.core.management.base import BaseCommand, CommandError

from hushpost.activity.chain import chain_keys, verify


class Command(BaseCommand):
    help = (
        "Check each organization's activity log against its tamper-evident chain: prints "
        '"intact", or the first broken link (event id and time) and exits 1.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="only this organization")
        parser.add_argument(
            "--show-key",
            action="store_true",
            help="print the organization's chain key (hex) for an offline check of an export; "
            "whoever has it can also forge that organization's chain",
        )

    def handle(self, *args, org, show_key, **options):
        # By label: the activity app imports no other Hushpost app.
        organizations = apps.get_model("accounts", "Organization")._default_manager.order_by("slug")
        if org is not None:
            organizations = organizations.filter(slug=org)
            if not organizations.exists():
                raise CommandError(f"There is no organization with the slug {org!r}.")
        if show_key:
            if org is None:
                raise CommandError("--show-key needs --org SLUG: each organization has a key.")
            self.stdout.write(chain_keys(organizations.get().pk)[0].hex())
            return
        broken = 0
        for organization in organizations:
            verdict = verify(organization.pk)
            if verdict.intact:
                self.stdout.write(f"{organization.slug}: intact ({verdict.events} events)")
            else:
                broken += 1
                self.stdout.write(f"{organization.slug}: {verdict.broken}")
        if broken:
            raise SystemExit(1)
