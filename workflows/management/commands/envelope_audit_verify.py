from django.core.management.base import BaseCommand, CommandError

from tenants.iteration import companies_all, for_each_company
from workflows.envelopes.trail import envelope_events_verify
from workflows.models import Envelope


class Command(BaseCommand):
    help = "Check the hash chain of envelope audit trails (one company, one envelope, or all)."

    def add_arguments(self, parser):
        parser.add_argument("--company", help="the company's address name (slug); default: every company")
        parser.add_argument("--envelope", help="one envelope id")

    def handle(self, *args, **options):
        companies = companies_all()
        if options["company"]:
            companies = companies.filter(slug=options["company"])
            if not companies.exists():
                raise CommandError(f"no company {options['company']!r}")
        broken, checked = [], 0
        for company in for_each_company(companies):
            envelopes = Envelope.objects.order_by("created_at")
            if options["envelope"]:
                envelopes = envelopes.filter(pk=options["envelope"])
            for envelope in envelopes:
                intact, broken_at = envelope_events_verify(envelope=envelope)
                checked += 1
                if not intact:
                    broken.append(f"{company.slug}/{envelope.pk}: broken at event {broken_at}")
        if options["envelope"] and not checked:
            raise CommandError(f"no envelope {options['envelope']!r}")
        for line in broken:
            self.stderr.write(line)
        if broken:
            raise CommandError(f"{len(broken)} of {checked} audit trails are broken")
        self.stdout.write(f"{checked} audit trails verified")
