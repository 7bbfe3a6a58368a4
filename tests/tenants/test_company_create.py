from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import tenant_context

from accounts.models import Membership
from config.errors import ApplicationError
from tenants.models import Company, Domain
from tenants.services import company_create
from tests.conftest import client_on
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_new_company_gets_a_migrated_schema_a_host_and_an_owner(world):
    company = company_create(
        name="Gamma Ltd", slug="gamma", uscc="91310000MA1FL4CT3U", owner=world.bob, acting_user=world.bob
    )
    assert company.schema_name == "c_gamma"
    assert Domain.objects.get(tenant=company).domain == "gamma.sealhub.test"
    assert Membership.objects.get(company=company).role == Membership.Role.OWNER
    with tenant_context(company):
        # Cloned from the template: every migration is recorded, none left to run.
        executor = MigrationExecutor(connection)
        assert executor.migration_plan(executor.loader.graph.leaf_nodes()) == []
        assert list(AuditEvent.objects.values_list("action", flat=True)) == ["company.created"]
    assert client_on(company, world.bob).get("/").status_code == 200


@pytest.mark.parametrize(
    ("slug", "uscc", "code"),
    [
        ("alpha", "", "slug_taken"),
        ("www", "", "slug_reserved"),
        ("delta", "91110000802100433B", "uscc_taken"),
        ("delta", "911100008021004330", "uscc_invalid"),
    ],
)
def test_refusals_are_clear_and_create_nothing(world, slug, uscc, code):
    before = Company.objects.count()
    with pytest.raises(ApplicationError) as error:
        company_create(name="Delta", slug=slug, uscc=uscc, owner=world.bob, acting_user=world.bob)
    assert error.value.code == code
    assert Company.objects.count() == before
