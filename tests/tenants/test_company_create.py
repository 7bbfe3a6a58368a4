from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import tenant_context

from accounts.models import Membership
from config.errors import ApplicationError
from events.models import AuditEvent
from tenants.models import Company, Domain
from tenants.services import company_create
from tests.conftest import client_on

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


def _structure(schema: str) -> dict:
    """Columns, constraints and indexes of a schema, with the schema's own name removed."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.attidentity, "
            "pg_get_expr(d.adbin, d.adrelid) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE c.relnamespace = %s::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped",
            [schema],
        )
        columns = sorted(cursor.fetchall())
        cursor.execute(
            "SELECT t.relname, con.conname, pg_get_constraintdef(con.oid) FROM pg_constraint con "
            "JOIN pg_class t ON t.oid = con.conrelid WHERE t.relnamespace = %s::regnamespace",
            [schema],
        )
        constraints = sorted(cursor.fetchall())
        cursor.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %s", [schema])
        indexes = sorted(cursor.fetchall())
    return {
        "columns": columns,
        "constraints": [(t, n, d.replace(f"{schema}.", "")) for t, n, d in constraints],
        "indexes": [(n, d.replace(f"{schema}.", "")) for n, d in indexes],
    }


def test_a_new_schema_is_an_exact_copy_of_the_migrated_template(world):
    from django.conf import settings

    company = company_create(name="Kappa Ltd", slug="kappa", uscc="", owner=world.bob, acting_user=world.bob)
    connection.set_schema_to_public()
    copy, template = _structure(company.schema_name), _structure(settings.TENANT_BASE_SCHEMA)
    assert copy["columns"] == template["columns"]
    assert copy["constraints"] == template["constraints"] and len(copy["constraints"]) > 20
    assert copy["indexes"] == template["indexes"]
    with tenant_context(company):  # rows keep counting from the copied migration records
        from django.db.migrations.recorder import MigrationRecorder

        MigrationRecorder.Migration.objects.create(app="probe", name="0001")
