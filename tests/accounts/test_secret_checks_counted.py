"""Every comparison of a guessable secret runs inside `attempt_counted` (counted before it
is compared, so simultaneous guesses cannot slip past the lockout). A new check outside
it fails here until it is moved inside, or listed below with the reason it needs none."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import BASE_DIR

APPS = ["accounts", "config", "documents", "events", "seals", "tenants", "workflows"]

# Calls that compare a secret someone typed or sent with the stored one.
SECRET_CHECKS = {"authenticate", "check_password", "compare_digest", "rewrap", "unwrap_data_key", "verify_token"}

NEEDS_NO_COUNT = {
    "accounts/services/passwords.py:password_authenticate": "no such account: hashed only to take the same time",
    "seals/services/passwords.py:seal_password_change": "re-wraps with the old password just unlocked",
    "workflows/envelopes/persons.py:envelope_party_code_check": "counted under the party's row lock in one transaction",
    "events/webhooks.py:webhook_signature_verify": "a receiver's check of our own HMAC; nothing to lock",
    "tenants/selectors.py:api_key_find_usable": "256-bit random API keys, looked up by prefix; not guessable",
    "documents/signing_sessions.py:signing_session_for_token": "256-bit random one-time token; not guessable",
    "documents/signing_sessions.py:signing_session_signature_submit": "compares digests of public data",
    "tenants/management/commands/demo_seed.py:Command._user": "a management command run by the operator",
}


def _name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _counted(with_node: ast.With) -> bool:
    return any(
        isinstance(item.context_expr, ast.Call) and _name(item.context_expr) == "attempt_counted"
        for item in with_node.items
    )


def _uncounted_checks(path: Path) -> set[str]:
    found: set[str] = set()
    relative = path.relative_to(BASE_DIR).as_posix()

    def visit(node: ast.AST, scope: list[str], counted: bool) -> None:
        if isinstance(node, ast.Call) and _name(node) in SECRET_CHECKS and not counted:
            found.add(f"{relative}:{'.'.join(scope)}")
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                visit(child, [*scope, child.name], False)
            else:
                visit(child, scope, counted or (isinstance(node, ast.With) and _counted(node) and child in node.body))

    visit(ast.parse(path.read_text()), [], False)
    return found


def test_every_secret_check_is_counted_before_it_compares():
    found: set[str] = set()
    for app in APPS:
        for path in (BASE_DIR / app).rglob("*.py"):
            if "migrations" not in path.parts and path.name != "keys.py":  # keys.py: the primitives themselves
                found |= _uncounted_checks(path)
    # Each uncounted check is listed with its reason, and the list names nothing that is gone.
    assert sorted(found - NEEDS_NO_COUNT.keys()) == []
    assert sorted(NEEDS_NO_COUNT.keys() - found) == []
