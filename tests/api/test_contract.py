"""The API against its own OpenAPI schema: generated requests (schemathesis) to every
operation on a company host, as an administrator's API key; no answer may be a server
error or differ from what the schema promises."""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase, settings

from tenants.models import ApiKey
from tenants.services import api_key_create
from tests.conftest import host_of

pytestmark = pytest.mark.django_db

CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.content_type_conformance,
]


@pytest.fixture
def in_process_app():
    """The WSGI app in this thread and transaction (as Django's test client runs it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield WSGIHandler()
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_schema(world, in_process_app):
    schema = schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", in_process_app, headers={"Host": host_of(world.alpha)}
    )
    return schema


@pytest.fixture
def public_api_schema(world, in_process_app):
    return schemathesis.openapi.from_wsgi(
        "/api/v1/schema/?format=json", in_process_app, headers={"Host": django_settings.BASE_DOMAIN}
    )


@pytest.fixture
def admin_headers(world):
    with tenant_context(world.alpha):
        _key, raw = api_key_create(
            company=world.alpha, name="contract", scopes=list(ApiKey.Scope.values), acting_user=world.alice
        )
    return {"Host": host_of(world.alpha), "Authorization": f"Api-Key {raw}"}


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=6,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(case, admin_headers):
    case.call_and_validate(headers=admin_headers, checks=CHECKS)


public_schema = schemathesis.pytest.from_fixture("public_api_schema")


@public_schema.parametrize()
@settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_the_platform_hosts_operations_answer_within_their_schema(case):
    case.call_and_validate(headers={"Host": django_settings.BASE_DOMAIN}, checks=CHECKS)
