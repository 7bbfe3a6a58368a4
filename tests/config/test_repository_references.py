"""A person with a clone has nothing else: comments, docs and the README cite only what is
in the repository (docs/…), never notes kept outside it."""

from __future__ import annotations

import re
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"DESIGN\.md|FIELD-NOTES|STYLE\.md|\.\./shared/")
SKIPPED = {".venv", "var", "node_modules", ".git", "__pycache__", "test-artifacts", "staticfiles"}


def _texts():
    for path in sorted(BASE_DIR.rglob("*")):
        relative = path.relative_to(BASE_DIR)
        if SKIPPED & set(relative.parts) or not path.is_file() or path == Path(__file__):
            continue
        if path.suffix in {".py", ".md", ".html", ".txt", ".toml", ".po"} or path.name == "Makefile":
            yield relative, path.read_text(errors="replace")


def test_nothing_cites_notes_outside_the_repository():
    cited = [
        f"{relative}:{number}"
        for relative, text in _texts()
        for number, line in enumerate(text.splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert cited == []


def test_the_readme_links_the_docs_and_they_exist():
    readme = (BASE_DIR / "README.md").read_text()
    for page in ("docs/architecture.md", "docs/threat-model.md", "docs/library-notes.md"):
        assert page in readme
        assert (BASE_DIR / page).is_file()
