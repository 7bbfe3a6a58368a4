"""Every operation of both hosts is in the graph of OpenAPI links (config/api/links.py) that the
live fuzzing follows (tests/api/test_fuzz_live.py): it gives an id another operation takes, or
takes one that another gives, or follows one. What is outside the graph is written down here
with its reason, and this fails when that changes."""

from __future__ import annotations

import json
from pathlib import Path

import schemathesis
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

COMPANY_SCHEMA = Path(settings.BASE_DIR) / "clients" / "python" / "openapi.json"  # what a company host serves

NOT_LINKED_PLATFORM = {
    "POST /api/v1/verify/": "takes a file, and no operation of the platform host returns one",
}


def _labels(schema: dict) -> set[str]:
    return {f"{method.upper()} {path}" for path, item in schema["paths"].items() for method in item}


def _linked(schema: dict) -> set[str]:
    loaded = schemathesis.openapi.from_dict(schema)
    loaded.config.phases.stateful.inference.algorithms = []  # the schema's own links only
    return set(loaded.as_state_machine()._transitions.operations)


def test_every_company_operation_is_linked():
    raw = json.loads(COMPANY_SCHEMA.read_text())
    assert _labels(raw) - _linked(raw) == set()


def test_every_platform_operation_is_linked_or_written_down():
    schema = SchemaGenerator(urlconf="config.urls_public").get_schema(request=None, public=True)
    assert _labels(schema) - _linked(schema) == set(NOT_LINKED_PLATFORM)
