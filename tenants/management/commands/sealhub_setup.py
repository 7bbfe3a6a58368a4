from django.core.management import call_command
from django.core.management.base import BaseCommand

from accounts.services import reviewer_group_ensure
from seals.pki import pki_init
from tenants.services import base_schema_ensure, platform_ensure


class Command(BaseCommand):
    help = "Migrate every schema, refresh the template schema and make sure the platform host exists."

    def handle(self, *args, **options):
        verbosity = options["verbosity"]
        call_command("migrate_schemas", interactive=False, verbosity=max(verbosity - 1, 0))
        base_schema_ensure()
        platform_ensure()
        reviewer_group_ensure()
        pki_init()
        if verbosity:
            self.stdout.write(self.style.SUCCESS("Database ready."))
