"""Activity lists show a translated label for every action, never a raw `document.signed`:
each action a service records (company audit trail or envelope trail) has a label, and
the label has a Chinese translation."""

from __future__ import annotations

import ast

from django.utils import translation

from accounts.models import FACTOR_OUTCOME_LABELS, FactorLock, SecurityEvent
from events.models import ACTION_LABELS
from tests.conftest import BASE_DIR
from workflows.models import ENVELOPE_EVENT_LABELS

APPS = ["accounts", "tenants", "events", "seals", "documents", "workflows"]
RECORDERS = {
    "audit_event_record": "audit",
    "audit_event_record_in_company": "audit",
    "envelope_event_record": "envelope",
    "_event_record": "envelope",
}


def _strings(node: ast.AST) -> list[str]:
    """The action names an argument can take: a literal, either side of `a if c else b`,
    or the statuses an f-string like f"seal.{status}" is completed with (checked apart)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def recorded_actions() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {"audit": set(), "envelope": set()}
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if not isinstance(node, ast.Call):
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in RECORDERS:
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            found[RECORDERS[name]].update(_strings(keyword.value))
    return found


def test_every_recorded_action_has_a_label():
    found = recorded_actions()
    assert len(found["audit"]) > 30 and len(found["envelope"]) > 15  # the scan sees the services
    assert sorted(found["audit"] - ACTION_LABELS.keys()) == []
    assert sorted(found["envelope"] - ENVELOPE_EVENT_LABELS.keys()) == []


def recorded_security_events() -> set[str]:
    """Actions written as `SecurityEvent.objects.create(action="…")` (the account events
    reviewers read in the admin); the lockout's f"{factor}.{outcome}" are labelled apart."""
    found = set()
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                creates = (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "create"
                    and ast.unparse(node.func.value) == "SecurityEvent.objects"
                )
                if creates:
                    for keyword in node.keywords:
                        if keyword.arg == "action":
                            found.update(_strings(keyword.value))
    return found


def test_every_account_event_reads_as_words_in_both_languages():
    found = recorded_security_events()
    assert len(found) > 10
    raw = {}
    for language in ("en", "zh-hans"):
        with translation.override(language):
            raw[language] = sorted(action for action in found if SecurityEvent(action=action).action_label == action)
    assert raw == {"en": [], "zh-hans": []}
    outcomes = {f"{factor}.{outcome}" for factor in FactorLock.Factor.values for outcome in FACTOR_OUTCOME_LABELS}
    with translation.override("zh-hans"):
        english = sorted(action for action in found | outcomes if SecurityEvent(action=action).action_label.isascii())
    assert english == []


def test_every_label_is_translated_to_chinese():
    with translation.override("zh-hans"):
        untranslated = [
            str(label)
            for label in [*ACTION_LABELS.values(), *ENVELOPE_EVENT_LABELS.values()]
            if str(label) == translation.gettext_noop(str(label)) and str(label).isascii()
        ]
    assert untranslated == []
