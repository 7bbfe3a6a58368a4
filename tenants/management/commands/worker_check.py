from django.core.management.base import BaseCommand, CommandError

from tenants.iteration import companies_all, for_each_company
from tenants.tasks import company_schema_probe


class Command(BaseCommand):
    help = "Queue a probe in every company's schema and check a worker ran it in that schema."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=30.0)

    def handle(self, *args, **options):
        failures = []
        for company in for_each_company(companies_all()):
            result = company_schema_probe.delay()
            try:
                report = result.get(timeout=options["timeout"])
            except Exception as exc:  # any broker/worker failure is a failed check
                failures.append(f"{company.slug}: no answer ({exc.__class__.__name__})")
                continue
            if report["schema"] != company.schema_name:
                failures.append(f"{company.slug}: ran in {report['schema']}")
            else:
                self.stdout.write(f"{company.slug}: ok")
        if failures:
            raise CommandError("; ".join(failures))
