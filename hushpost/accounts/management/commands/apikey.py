"""`hushpost manage apikey create|list|revoke --org <slug> …`

`create` prints the new key alone on stdout, so scripts can capture it
(`KEY=$(hushpost manage apikey create --org demo --name crm)`); everything
else goes to stderr.
"""

from django.core.management.base import BaseCommand, CommandError

from hushpost.accounts.api_keys import ApiKeyError, create_key, revoke_key
from hushpost.accounts.models import ApiKey, Organization

ACTOR = "command line"


class Command(BaseCommand):
    help = "Create, list and revoke an organization's REST API keys."

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        create = actions.add_parser(
            "create", help="make a key and print it once (only its hash is kept)"
        )
        create.add_argument("--org", required=True, help="the organization's slug")
        create.add_argument("--name", required=True, help="what uses the key, such as 'crm'")
        listing = actions.add_parser("list", help="the organization's keys, newest first")
        listing.add_argument("--org", required=True, help="the organization's slug")
        revoke = actions.add_parser("revoke", help="stop a key working at once")
        revoke.add_argument("--org", required=True, help="the organization's slug")
        revoke.add_argument("--prefix", required=True, help="the key's prefix, as `list` shows it")

    def handle(self, *args, action, org, **options):
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization has the slug {org!r}.")
        getattr(self, f"handle_{action}")(organization, **options)

    def handle_create(self, organization, *, name, **options):
        try:
            key, raw = create_key(organization, name, actor_label=ACTOR)
        except ApiKeyError as error:
            raise CommandError(str(error)) from None
        self.stderr.write(
            f"Created API key {key.name!r} ({key.prefix}…) for {organization.slug}. "
            "It is shown only now: store it safely."
        )
        self.stdout.write(raw)

    def handle_list(self, organization, **options):
        keys = ApiKey.objects.for_org(organization)
        if not keys:
            self.stderr.write(f"{organization.slug} has no API keys.")
        for key in keys:
            used = (
                f"last used {key.last_used_at:%Y-%m-%d %H:%M}Z"
                if key.last_used_at
                else "never used"
            )
            state = f"revoked {key.revoked_at:%Y-%m-%d %H:%M}Z" if key.revoked_at else "active"
            self.stdout.write(
                f"{key.prefix}\t{key.name}\t"
                f"created {key.created_at:%Y-%m-%d %H:%M}Z\t{used}\t{state}"
            )

    def handle_revoke(self, organization, *, prefix, **options):
        keys = list(ApiKey.objects.for_org(organization).filter(prefix=prefix.rstrip("…")))
        if not keys:
            raise CommandError(f"{organization.slug} has no API key with the prefix {prefix!r}.")
        if len(keys) > 1:
            raise CommandError(
                f"Several keys of {organization.slug} have the prefix {prefix!r}; "
                "revoke them in the staff UI."
            )
        key = keys[0]
        if revoke_key(key, actor_label=ACTOR):
            self.stdout.write(f"Revoked {key.name!r} ({key.prefix}…).")
        else:
            self.stdout.write(f"{key.name!r} ({key.prefix}…) was already revoked.")
