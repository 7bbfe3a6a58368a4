"""Row locks live in one module (config/row_locks.py) so they can be reviewed together.
This scans the source for `select_for_update` anywhere else, and checks the helper refuses
to run outside a transaction, where the lock would silently end with the statement."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.db import transaction

from config.row_locks import lock_row

BASE_DIR = Path(__file__).resolve().parents[2]
APPS = ["accounts", "config", "documents", "events", "sealcore", "seals", "tenants", "workflows"]


def _lock_calls_outside_home() -> list[str]:
    found = []
    for app in APPS:
        for path in sorted((BASE_DIR / app).rglob("*.py")):
            if path == BASE_DIR / "config" / "row_locks.py" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
                if isinstance(node, ast.Attribute) and node.attr == "select_for_update":
                    found.append(f"{path.relative_to(BASE_DIR)}:{node.lineno}")
    return found


def test_no_row_lock_outside_its_home():
    assert _lock_calls_outside_home() == []


def test_the_scan_sees_a_lock_taken_directly(tmp_path, monkeypatch):
    app = tmp_path / "accounts"
    app.mkdir()
    (app / "sneaky.py").write_text("def f(Model):\n    return Model.objects.select_for_update().get(pk=1)\n")
    monkeypatch.setitem(globals(), "BASE_DIR", tmp_path)
    monkeypatch.setitem(globals(), "APPS", ["accounts"])
    assert _lock_calls_outside_home() == ["accounts/sneaky.py:2"]


def test_a_lock_outside_a_transaction_is_refused():
    # No database access is allowed here: the helper refuses before it queries.
    from accounts.models import User

    with pytest.raises(transaction.TransactionManagementError):
        lock_row(User, pk=1)
