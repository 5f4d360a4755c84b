from django.core.management.base import BaseCommand

from hushpost.crypto import generate_key


class Command(BaseCommand):
    help = (
        "Print a new 32-byte encryption key for HUSHPOST_KEYS (as id:key, "
        "put it first to make it current)."
    )

    def handle(self, *args, **options):
        self.stdout.write(generate_key())
