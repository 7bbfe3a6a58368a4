from django.core.management.base import BaseCommand

from seals.pki import pki_init


class Command(BaseCommand):
    help = "Create the platform root CA, seal CA and timestamp authority if they are missing."

    def handle(self, *args, **options):
        created = pki_init()
        if options["verbosity"]:
            self.stdout.write(f"created: {', '.join(created)}" if created else "PKI already present.")
