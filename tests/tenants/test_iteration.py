"""Beat jobs and commands visit companies through `tenants.iteration.for_each_company`:
each in its own schema, only active ones unless told, and back in the public schema after."""

from __future__ import annotations

import pytest
from django.db import connection

from tenants.iteration import companies_all, for_each_company
from tenants.models import Company


def test_it_visits_each_active_company_in_its_schema(world):
    Company.objects.filter(pk=world.beta.pk).update(status=Company.Status.SUSPENDED)
    seen = {company.slug: (company.schema_name, connection.schema_name) for company in for_each_company()}

    assert seen["alpha"] == (world.alpha.schema_name, world.alpha.schema_name)
    assert "beta" not in seen
    assert all(current == own for own, current in seen.values())
    assert connection.schema_name == "public"


def test_it_visits_the_companies_it_is_given_even_suspended(world):
    Company.objects.filter(pk=world.beta.pk).update(status=Company.Status.SUSPENDED)
    seen = [connection.schema_name for _company in for_each_company(companies_all().filter(slug="beta"))]

    assert seen == [world.beta.schema_name]


def test_the_public_schema_is_current_again_after_a_failure_or_an_early_stop(world):
    with pytest.raises(RuntimeError):
        for _company in for_each_company():
            raise RuntimeError
    assert connection.schema_name == "public"

    visits = for_each_company()
    next(visits)
    assert connection.schema_name != "public"
    visits.close()
    assert connection.schema_name == "public"
