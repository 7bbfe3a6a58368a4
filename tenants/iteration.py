"""The one way to visit companies in turn (beat jobs, checks, commands): each company's
schema is the current one while the caller works on it, and the public schema is current
again afterwards, also when the caller stops early or fails."""

from __future__ import annotations

from collections.abc import Iterator

from django.db.models import QuerySet
from django_tenants.utils import get_public_schema_name, tenant_context

from tenants.models import Company


def companies_all() -> QuerySet[Company]:
    """Every company, active or not, by address name; not the platform's public schema."""
    return Company.objects.exclude(schema_name=get_public_schema_name()).order_by("slug")


def companies_active() -> QuerySet[Company]:
    return companies_all().filter(status=Company.Status.ACTIVE)


def for_each_company(companies: QuerySet[Company] | None = None) -> Iterator[Company]:
    """Yields each of `companies` (every active company unless given) inside its schema."""
    for company in companies_active() if companies is None else companies:
        with tenant_context(company):
            yield company
