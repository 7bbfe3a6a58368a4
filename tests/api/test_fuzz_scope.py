"""What the live fuzzing (tests/api/test_fuzz_live.py) leaves out is written down here, each with
its reason, and this fails when it changes: every operation on a company host is either part of
a stateful link schemathesis follows (it reads the id one operation returns and passes it to
another) or listed below; the platform host has no operation that takes an id, so it has no
links to follow and every operation there runs on its own."""

from __future__ import annotations

import json
from pathlib import Path

import schemathesis
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

COMPANY_SCHEMA = Path(settings.BASE_DIR) / "clients" / "python" / "openapi.json"  # what a company host serves

NOT_LINKED = {
    "GET /api/v1/company/": "takes nothing and returns no id another operation takes",
    "GET /api/v1/audit_events/": "a list of records no other operation takes by id",
    "POST /api/v1/verify/": "takes a file and returns a report: nothing to pass on",
    "POST /api/v1/api_keys/": "the key's id is followed from the list (GET /api_keys/ → revoke, rotate)",
    "GET /api/v1/inbox/": "entries of envelopes other companies sent; a fuzzed company has none",
    "GET /api/v1/inbox/{route_id}/": "a route id exists only once another company sends an envelope",
    "GET /api/v1/inbox/{route_id}/document/": "a route id exists only once another company sends an envelope",
    "POST /api/v1/inbox/{route_id}/decline/": "a route id exists only once another company sends an envelope",
}


def _labels(schema: dict) -> set[str]:
    return {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}


def test_every_company_operation_is_linked_or_written_down():
    raw = json.loads(COMPANY_SCHEMA.read_text())
    machine = schemathesis.openapi.from_dict(raw).as_state_machine()
    linked = set(machine._transitions.operations)
    assert _labels(raw) - linked == set(NOT_LINKED)


def test_the_platform_host_has_nothing_to_link():
    schema = SchemaGenerator(urlconf="config.urls_public").get_schema(request=None, public=True)
    assert not [path for path in schema["paths"] if "{" in path], "an operation takes an id: fuzz its links"
    assert not schemathesis.openapi.from_dict(schema).as_state_machine()._transitions.operations
