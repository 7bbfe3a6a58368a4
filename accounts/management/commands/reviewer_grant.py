from __future__ import annotations

import getpass

from django.core.management.base import BaseCommand, CommandError

from accounts.services import reviewer_set
from config.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Make an existing account a platform reviewer (or end it with --revoke). Reviewers sign in "
        "with an authenticator app and decide in /admin/; superusers come from createsuperuser."
    )

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--revoke", action="store_true", help="end the reviewer role")

    def handle(self, *args, **options):
        try:
            user = reviewer_set(
                email=options["email"], reviewer=not options["revoke"], granted_by=f"manage.py ({getpass.getuser()})"
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        state = "is no longer" if options["revoke"] else "is now"
        self.stdout.write(self.style.SUCCESS(f"{user.email} {state} a platform reviewer."))
