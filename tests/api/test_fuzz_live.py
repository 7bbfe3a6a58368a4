"""The API fuzzed as an integrator's worst day, over real HTTP: schemathesis follows the links
it infers between operations (create, then read, change and delete what was created) on a
company host, authenticated by an API key, and on the platform host, and runs every check
(no server error; status codes, content types, headers and bodies as the schema says;
schema-violating input refused; schema-valid input accepted).

It runs against a company made for it, removed afterwards, so nothing it does (removing
members, revoking keys) reaches the shared test companies. Bounded to stay well under three
minutes on two cores.

Every operation of both hosts runs on its own with every check; the operations outside every
stateful link, each with its reason, are listed in tests/api/test_fuzz_scope.py (which fails
when that changes). Bodies without files are fuzzed as JSON, the one encoding the schema gives
them (config/api/schema.py); forms sent to them are covered by tests/api/test_schema_truth.py.

Checks left out, each with its reason:
- `positive_data_acceptance`: schema-valid input names objects that do not exist (random
  ids: 404) and one-time codes that are wrong (403); the schema cannot express either.
- `max_response_time`: CI machines are shared; time is not part of the contract.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings

from accounts.models import User
from tenants.models import ApiKey, Company
from tenants.services import api_key_create, company_create
from tests.conftest import host_of
from tests.live import live_url  # noqa: F401 (fixture)
from tests.workflows.conftest import committed_cleanup

pytestmark = pytest.mark.integration

LEFT_OUT = [schemathesis.checks.positive_data_acceptance, schemathesis.checks.max_response_time]
STATEFUL = hypothesis_settings(
    max_examples=8,
    stateful_step_count=5,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)


@pytest.fixture(scope="module")
def fuzzed_company(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        started = timezone.now()
        alpha = Company.objects.get(slug="alpha")
        owner = User.objects.create_user("fuzz@fuzz.example", "fuzz-password-1", full_name="Fuzz")
        company = company_create(name="Fuzz Ltd", slug="fuzz", uscc="", owner=owner, acting_user=owner)
        with tenant_context(company):
            _key, raw = api_key_create(
                company=company, name="fuzz", scopes=list(ApiKey.Scope.values), acting_user=owner
            )
        try:
            yield company, raw
        finally:
            committed_cleanup(alpha, [company])
            User.objects.filter(date_joined__gte=started).delete()  # registered on the platform host


def _state_machine(url: str, headers: dict):
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/schema/?format=json", headers=headers)
    base = schema.as_state_machine()

    class Machine(base):
        def get_call_kwargs(self, case):
            return {"headers": {**headers, "Connection": "close"}}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            case.validate_response(
                response,
                excluded_checks=LEFT_OUT,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    return Machine


def test_a_company_host_under_stateful_fuzzing(live_url, fuzzed_company):  # noqa: F811
    company, raw = fuzzed_company
    headers = {"Host": host_of(company), "Authorization": f"Api-Key {raw}"}
    _state_machine(live_url, headers).run(settings=STATEFUL)


@pytest.fixture(scope="module")
def company_schema(live_url, fuzzed_company):  # noqa: F811
    company, raw = fuzzed_company
    headers = {"Host": host_of(company), "Authorization": f"Api-Key {raw}", "Connection": "close"}
    return schemathesis.openapi.from_url(f"{live_url}/api/v1/schema/?format=json", headers=headers)


@pytest.fixture(scope="module")
def platform_schema(live_url, fuzzed_company):  # noqa: F811
    headers = {"Host": settings.BASE_DOMAIN, "Connection": "close"}
    return schemathesis.openapi.from_url(f"{live_url}/api/v1/schema/?format=json", headers=headers)


STATELESS = hypothesis_settings(
    max_examples=2,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
company_operations = schemathesis.pytest.from_fixture("company_schema")
platform_operations = schemathesis.pytest.from_fixture("platform_schema")


@company_operations.parametrize()
@STATELESS
def test_every_company_operation_with_every_check(case, fuzzed_company):
    company, raw = fuzzed_company
    headers = {"Host": host_of(company), "Authorization": f"Api-Key {raw}", "Connection": "close"}
    case.call_and_validate(headers=headers, excluded_checks=LEFT_OUT)


@platform_operations.parametrize()
@STATELESS
def test_every_platform_operation_with_every_check(case):
    """The platform host's operations create nothing another one reads by id, so there are no
    links to follow there: each runs on its own."""
    case.call_and_validate(headers={"Host": settings.BASE_DOMAIN, "Connection": "close"}, excluded_checks=LEFT_OUT)
