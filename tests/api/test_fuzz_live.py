"""The API fuzzed as an integrator's worst day, over real HTTP, with every check (no server
error; status codes, content types, headers and bodies as the schema says; schema-violating
input refused), on a company host authenticated by an API key and on the platform host signed
in by a session cookie.

Stateful phase: schemathesis follows the OpenAPI links the schema documents
(config/api/links.py), one state machine per resource, in a company made for it with one of
everything an operation can take by id (tests/api/fuzz_world.py), removed afterwards. It must
call every operation of both hosts, with the ids its links give where the address takes one;
the few it cannot reach are written down below with their reason, and the test prints how many
it reached. Stateless phase: every operation of both hosts on its own.

Bodies without files are fuzzed as JSON, the one encoding the schema gives them
(config/api/schema.py); forms sent to them are covered by tests/api/test_schema_truth.py.

Checks left out, each with its reason:
- `positive_data_acceptance`: schema-valid input names objects that do not exist (random
  ids: 404) and one-time codes that are wrong (403); the schema cannot express either.
- `max_response_time`: CI machines are shared; time is not part of the contract.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import FlakyStrategyDefinition
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.stateful.control import TransitionController
from schemathesis.generation.stateful.state_machine import normalize_name

from accounts.models import User
from tests.api.fuzz_world import (
    FuzzWorld,
    fuzz_world_ensure,
    fuzz_world_make,
    fuzz_world_remove,
    platform_session,
)
from tests.live import live_url  # noqa: F401 (fixture)
from tests.workflows.conftest import SEAL_PASSWORD

pytestmark = pytest.mark.integration

LEFT_OUT = [schemathesis.checks.positive_data_acceptance, schemathesis.checks.max_response_time]
# Signed in by a session cookie, a request whose made-up Authorization header is no API key at
# all is rightly served on the cookie, which `ignored_auth` would call accepting bad credentials.
LEFT_OUT_SIGNED_IN = [*LEFT_OUT, schemathesis.checks.ignored_auth]
STATEFUL = hypothesis_settings(
    max_examples=6,
    stateful_step_count=8,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)

# Operations the stateful phase may leave out, each with its reason; anything else it never
# calls (with the ids its links give, where the address takes one) fails the test.
_JOB = (
    "a job id exists only once a sealing starts, and the fuzzed rest of the body (placements, "
    "appearance) almost always makes the start refuse; the journey in tests/api/test_python_client.py "
    "polls it"
)
_SESSION = (
    "a signing session exists only once a hardware-key sealing starts on a document where that key "
    "is placed; tests/seals/test_ukey_signing.py drives the session and its agent calls"
)
_PLACEMENT = (
    "a placement id comes from a placement made in the same scenario, which the fuzzed sizes and "
    "offsets put outside the page; tests/documents cover moving and removing placements"
)
NOT_REACHED_PLATFORM = {
    "POST /api/v1/verify/": "takes a file, and no operation of the platform host returns one: no link leads to it",
}
STATEFUL_PLATFORM = STATEFUL
NOT_REACHED: dict[str, str] = {
    "GET /api/v1/documents/{document_id}/jobs/{job_id}/": _JOB,
    "GET /api/v1/inbox/{route_id}/jobs/{job_id}/": _JOB,
    "GET /api/v1/documents/{document_id}/seal_sessions/{session_id}/": _SESSION,
    "GET /api/v1/signing_sessions/{session_id}/": _SESSION,
    "POST /api/v1/signing_sessions/{session_id}/signature/": _SESSION,
    "PATCH /api/v1/documents/{document_id}/placements/{placement_id}/": _PLACEMENT,
    "DELETE /api/v1/documents/{document_id}/placements/{placement_id}/": _PLACEMENT,
}
# What a real client holds and a fuzzer cannot guess: the seal it means, that seal's password
# and the code the owner's authenticator app shows. Filled into the bodies that take them.
HARDWARE_SEAL_PATHS = ("/seal_sessions/",)


@pytest.fixture(scope="module")
def fuzz_world(live_url, django_db_blocker) -> FuzzWorld:  # noqa: F811
    with django_db_blocker.unblock():
        started = timezone.now()
        world = fuzz_world_make(live_url)
        try:
            yield world
        finally:
            fuzz_world_remove(started)


@dataclass
class Reach:
    """Which operations the stateful phase called, and which of them with linked ids."""

    called: dict[str, set[int]] = field(default_factory=dict)
    linked: Counter = field(default_factory=Counter)

    def record(self, step, status: int) -> None:
        label = step.case.operation.label
        self.called.setdefault(label, set()).add(status)
        if not step.case.operation.path_parameters or (step.transition is not None and step.is_applied):
            self.linked[label] += 1

    def unreached(self, labels: set[str]) -> set[str]:
        return labels - set(self.linked)


def _labels(schema) -> set[str]:
    return {result.ok().label for result in schema.get_all_operations()}


class SteadyController(TransitionController):
    """Any scenario may start again from its resource's list or creation at any step, whatever
    earlier answers were: schemathesis' default allows two starts unless they "produced data",
    which makes the steps Hypothesis may take depend on the server's answers, and Hypothesis
    stops a run whose choices lead elsewhere the second time."""

    __slots__ = ()

    def allow_root_transition(self, source, bundles) -> bool:
        return not self._is_skipped(source)


class AlwaysFollow:
    """Links are always followed with the values they carry: a made-up id is what the
    stateless phase sends; here every step should reach something that exists. (By default
    schemathesis replaces a linked id with a random one now and then.)"""

    def use_probability(self, transition_id: str) -> float:
        return 1.0

    def is_calibrated(self, transition_id: str) -> bool:
        return True


def _resource(label: str) -> str:
    return label.split(" ")[1].removeprefix("/api/v1/").split("/")[0]


def _state_machines(url: str, headers, reach: Reach, *, fill=None, ensure=None, left_out=LEFT_OUT):
    """One state machine per resource (documents, envelopes, seals, ...), each starting its
    scenarios only from that resource's operations: every chain gets its share of the steps,
    instead of the scenarios crowding on whichever starts come first."""
    schema = schemathesis.openapi.from_url(f"{url}/api/v1/schema/?format=json", headers=headers())
    # Follow the links the schema documents, and only those (config/api/links.py).
    schema.config.phases.stateful.inference.algorithms = []
    base = schema.build_state_machine(feedback=FeedbackSources(), link_calibration=AlwaysFollow())
    rule_of = {label: normalize_name(f"RANDOM -> {label}") for label in base._root_labels}
    # An operation that takes an id starts no scenario: with a made-up id it can only answer 404.
    starts = {label for label in rule_of if "{" not in label}
    labels = _labels(schema)
    machines = []
    for resource in sorted({_resource(label) for label in starts}):
        kept = {rule_of[label] for label in starts if _resource(label) == resource}
        size = sum(1 for label in labels if _resource(label) == resource)  # scenarios: one per operation
        machines.append((_machine(base, kept, headers, reach, fill=fill, ensure=ensure, left_out=left_out), size))
    return schema, machines


def _machine(base, kept: set[str], headers, reach: Reach, *, fill=None, ensure=None, left_out=LEFT_OUT):
    hidden = dict.fromkeys(base.root_rules - kept)

    class Machine(base):
        root_rules = frozenset(kept)
        locals().update(hidden)

        def setup(self):
            self.control = SteadyController(self._transitions, self._root_labels)
            self.headers = headers()
            if ensure is not None:
                ensure()

        def before_call(self, case):
            if fill is not None:
                fill(case)

        def get_call_kwargs(self, case):
            if str((case.headers or {}).get("Authorization", "")).startswith("Signing-Session"):
                return {"headers": {key: value for key, value in self.headers.items() if key != "Authorization"}}
            return {"headers": self.headers}

        def step(self, input):
            __tracebackhide__ = True
            output = None
            try:
                output = super().step(input)
            finally:
                reach.record(input, output.response.status_code if output is not None else 0)
            return output

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            __tracebackhide__ = True
            case.validate_response(
                response,
                excluded_checks=left_out,
                transport_kwargs=kwargs or None,
                recorder=getattr(self, "recorder", None),
            )

    return Machine


def _client_values(world: FuzzWorld):
    def fill(case) -> None:
        if not isinstance(case.body, dict):
            return
        if "seal_id" in case.body:
            hardware = any(part in case.path for part in HARDWARE_SEAL_PATHS)
            case.body["seal_id"] = str((world.hardware_seal if hardware else world.seal).pk)
        if "document_id" in case.body:
            case.body["document_id"] = world.document_id
        if case.path.endswith("/placements/"):  # a place on the page, not a keyword that may be absent
            for key in ("text", "occurrence", "cross_page", "width", "height", "offset_x", "offset_y"):
                case.body.pop(key, None)
            case.body.update(page=0, x=300, y=100, seal_id=str(world.seal.pk))
        if "seal_password" in case.body:
            case.body["seal_password"] = SEAL_PASSWORD
        if "otp_code" in case.body:
            case.body["otp_method"] = "authenticator"
            case.body["otp_code"] = world.fresh_code()

    return fill


def _run(machine, settings) -> None:
    """The scenarios of one machine. Hypothesis gives up on a machine when the same choices
    lead somewhere else the second time, which an API's state makes happen (a list that was
    empty is not any more): that ends this machine's scenarios, as schemathesis' own runner
    treats it, and what they missed shows in the reach asserted below. Check failures, and
    failures Hypothesis could not replay, still fail the test."""
    __tracebackhide__ = True
    with contextlib.suppress(FlakyStrategyDefinition):
        machine.run(settings=settings)


def _scenarios(operations: int) -> int:
    """Scenarios for a resource with this many operations: more than one each, as a scenario
    takes one of the links open at each step (documents lead to about twenty operations)."""
    return max(operations, 3) * 2


def _report(host: str, reach: Reach, labels: set[str]) -> str:
    answered = sum(1 for label in reach.linked if any(200 <= s < 300 for s in reach.called.get(label, ())))
    return (
        f"{host}: stateful phase reached {len(set(reach.linked) & labels)} of {len(labels)} operations "
        f"({answered} with a 2xx answer)"
    )


def test_a_company_host_under_stateful_fuzzing(live_url, fuzz_world, django_db_blocker):  # noqa: F811
    reach = Reach()
    with django_db_blocker.unblock():
        schema, machines = _state_machines(
            live_url,
            fuzz_world.headers,
            reach,
            fill=_client_values(fuzz_world),
            ensure=lambda: fuzz_world_ensure(live_url, fuzz_world),
        )
        for machine, size in machines:
            _run(machine, hypothesis_settings(STATEFUL, max_examples=_scenarios(size)))
    labels = _labels(schema)
    print(_report("company host", reach, labels))
    unreached = reach.unreached(labels) - set(NOT_REACHED)
    assert not unreached, f"never called with linked ids: {sorted(unreached)}"


def test_the_platform_host_under_stateful_fuzzing(live_url, fuzz_world, django_db_blocker):  # noqa: F811
    reach = Reach()
    with django_db_blocker.unblock():
        user = User.objects.create_user("platform@fuzz.example", "fuzz-password-1", full_name="Platform")
        schema, machines = _state_machines(
            live_url,
            lambda: {**platform_session(user), "Host": settings.BASE_DOMAIN},
            reach,
            left_out=LEFT_OUT_SIGNED_IN,
        )
        for machine, size in machines:
            _run(machine, hypothesis_settings(STATEFUL_PLATFORM, max_examples=max(size, 6)))
    labels = _labels(schema)
    print(_report("platform host", reach, labels))
    unreached = reach.unreached(labels) - set(NOT_REACHED_PLATFORM)
    assert not unreached, f"never called: {sorted(unreached)}"


@pytest.fixture(scope="module")
def company_schema(live_url, fuzz_world):  # noqa: F811
    return schemathesis.openapi.from_url(f"{live_url}/api/v1/schema/?format=json", headers=fuzz_world.headers())


@pytest.fixture(scope="module")
def platform_schema(live_url, fuzz_world):  # noqa: F811
    headers = {"Host": settings.BASE_DOMAIN, "Connection": "close"}
    return schemathesis.openapi.from_url(f"{live_url}/api/v1/schema/?format=json", headers=headers)


# One generated case per operation (after the schema's examples): every operation also runs
# with every check in the stateful phase, many times, with existing objects and made-up input.
STATELESS = hypothesis_settings(
    max_examples=1,
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
company_operations = schemathesis.pytest.from_fixture("company_schema")
platform_operations = schemathesis.pytest.from_fixture("platform_schema")


@company_operations.parametrize()
@STATELESS
def test_every_company_operation_with_every_check(case, fuzz_world):
    case.call_and_validate(headers=fuzz_world.headers(), excluded_checks=LEFT_OUT)


@platform_operations.parametrize()
@STATELESS
def test_every_platform_operation_with_every_check(case):
    case.call_and_validate(headers={"Host": settings.BASE_DOMAIN, "Connection": "close"}, excluded_checks=LEFT_OUT)
