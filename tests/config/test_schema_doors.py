"""Schema switching happens only in the named doors (docs/architecture.md). import-linter
sees imports, not calls, so this scans the source: any use of `tenant_context`,
`schema_context` or `connection.set_schema*` / `set_tenant` outside the modules below fails."""

from __future__ import annotations

import ast
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
APPS = ["accounts", "config", "documents", "sealcore", "seals", "tenants", "workflows", "events"]
SWITCHES = {"tenant_context", "schema_context", "set_schema", "set_schema_to_public", "set_tenant"}

# module -> why it may switch schemas. Shrink this list; do not grow it without a reason
# written here and in docs/architecture.md.
DOORS = {
    # Tenancy wiring: each task runs in its company's schema; the public schema is set up.
    "config.celery": "runs each task in the schema it was queued from",
    "tenants.models": "creating a company's schema returns to the public schema",
    "tenants.services": "setting up the base schema returns to the public schema",
    "tenants.members": "a member's role change is followed up in that company",
    # The cross-company door (a package: the door, what a party sees and does, a newly
    # registered company's claims, the final copies): envelopes with parties in other companies.
    "workflows.cross_tenant": "the one door into another company's envelope data",
    # Beat jobs and commands visit companies in turn through one helper.
    "tenants.iteration": "visits each company in turn (beat jobs, checks, commands)",
    # A batch of writes in several companies (a completed envelope) renews their list tokens together.
    "documents.list_cache": "renews the documents-list token of each company a batch of writes changed",
}
# The events app records an event (an audit row, a webhook) in a given company: a door as a whole.
DOOR_PACKAGES = {"events"}


def _door_of(module: str) -> str | None:
    """The door a module belongs to: a door named by a package covers its modules."""
    return next((door for door in DOORS if module == door or module.startswith(door + ".")), None)


def _module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _switches_in(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Name) and node.id in SWITCHES:
            found.append((node.lineno, node.id))
        elif isinstance(node, ast.Attribute) and node.attr in SWITCHES:
            found.append((node.lineno, node.attr))
        elif isinstance(node, ast.ImportFrom):
            found.extend((node.lineno, alias.name) for alias in node.names if alias.name in SWITCHES)
    return found


def _switching_modules() -> dict[str, list[tuple[int, str]]]:
    modules = {}
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")) if (BASE_DIR / app).is_dir() else []:
            if "migrations" in path.parts:
                continue  # migrations run per schema under migrate_schemas
            if found := _switches_in(path):
                modules[_module_name(path)] = found
    return modules


def test_schemas_are_switched_only_in_the_named_doors():
    outside = {
        module: found
        for module, found in _switching_modules().items()
        if _door_of(module) is None and module.split(".")[0] not in DOOR_PACKAGES
    }
    assert outside == {}, "schema switching outside the named doors (see docs/architecture.md)"


def test_every_named_door_still_switches_schemas():
    """A module that stopped switching leaves the list, so the list only shrinks."""
    assert sorted(set(DOORS) - {_door_of(module) for module in _switching_modules()}) == []


def test_the_scan_finds_a_switch_in_a_function_body(tmp_path):
    source = tmp_path / "sneaky.py"
    source.write_text(
        "def f(company):\n"
        "    from django_tenants.utils import tenant_context as enter\n"
        "    from django.db import connection\n"
        "    connection.set_schema('other')\n"
    )
    assert [name for _line, name in _switches_in(source)] == ["tenant_context", "set_schema"]


def test_a_door_named_by_a_package_covers_its_modules_and_nothing_beside_it():
    assert _door_of("workflows.cross_tenant") == "workflows.cross_tenant"
    assert _door_of("workflows.cross_tenant.door") == "workflows.cross_tenant"
    assert _door_of("workflows.cross_tenant_helpers") is None
    assert _door_of("workflows.envelopes.completion") is None
