"""The import contracts in pyproject.toml (docs/architecture.md) hold on this tree and
break when a lower layer or a pure core imports what it must not: run on a copy of the
source with one bad import added, lint-imports fails and names it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
ROOT_PACKAGES = tomllib.loads((BASE_DIR / "pyproject.toml").read_text())["tool"]["importlinter"]["root_packages"]


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120
    )


@pytest.fixture
def source_copy(tmp_path: Path) -> Path:
    for package in ROOT_PACKAGES:
        shutil.copytree(
            BASE_DIR / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__", "static", "locale")
        )
    shutil.copy(BASE_DIR / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def test_the_contracts_hold_on_this_tree():
    result = _lint_imports(BASE_DIR)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_copy_passes_before_anything_is_injected(source_copy):
    result = _lint_imports(source_copy)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("module", "line", "contract", "named"),
    [
        # A lower app importing a higher one, at module level and inside a function.
        ("seals/hook.py", "from documents import models\n", "Apps import only downwards", "seals.hook -> documents"),
        (
            "tenants/hook.py",
            "def later():\n    from workflows import envelopes\n",
            "Apps import only downwards",
            "tenants.hook -> workflows.envelopes",
        ),
        ("accounts/hook.py", "import seals.models\n", "Apps import only downwards", "accounts.hook -> seals.models"),
        # The pure cores: no Django, no app module, not each other.
        ("documents/pdf/hook.py", "import django.conf\n", "import no Django", "documents.pdf.hook -> django"),
        ("sealcore/hook.py", "from seals import models\n", "import no app module", "sealcore.hook -> seals.models"),
        ("seals/image.py", "from documents.pdf import render\n", "no app module", "seals.image -> documents.pdf"),
    ],
)
def test_an_injected_import_breaks_its_contract(source_copy, module, line, contract, named):
    with (source_copy / module).open("a") as source:
        source.write("\n" + line)
    result = _lint_imports(source_copy)
    assert result.returncode != 0
    broken = result.stdout.split("Broken contracts", 1)[1]
    assert contract in broken
    assert named in broken


def test_a_removed_upward_import_must_leave_the_ignore_list(source_copy):
    """The ignore list only shrinks: an entry that no longer matches an import is an error."""
    command = source_copy / "tenants/management/commands/sealhub_setup.py"
    command.write_text(command.read_text().replace("from seals.pki import", "from config.crypto import"))
    result = _lint_imports(source_copy)
    assert result.returncode != 0
    words = " ".join(result.stdout.split())  # lint-imports wraps long lines
    assert "No matches for ignored import tenants.management.commands.sealhub_setup -> seals.pki" in words
