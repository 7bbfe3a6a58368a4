"""Writes the company host's OpenAPI schema (clients/python/openapi.json) and the typed client
generated from it (clients/python/sealhub-client/). `make client` runs it; the suite checks
that the committed client is exactly what the current schema generates
(tests/api/test_python_client.py).

    python clients/python/generate.py [--output DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE_DIR = HERE.parents[1]
SCHEMA = HERE / "openapi.json"
PACKAGE = HERE / "sealhub-client"
GENERATOR = "openapi-python-client"


def company_schema() -> dict:
    """The schema a company host serves at /api/v1/schema/ (config/api/urls_common.py)."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django  # noqa: PLC0415 (Django is set up only when the schema is made)

    django.setup()
    from drf_spectacular.generators import SchemaGenerator  # noqa: PLC0415

    return SchemaGenerator(urlconf="config.urls_tenants").get_schema(request=None, public=True)


def schema_text(schema: dict) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False) + "\n"


def generate_package(schema_path: Path, output: Path) -> None:
    """The client generated into `output` (replaced), formatted by the pinned ruff."""
    tools = Path(sys.executable).parent
    env = dict(os.environ, PATH=f"{tools}{os.pathsep}{os.environ.get('PATH', '')}")
    with tempfile.TemporaryDirectory() as work:
        subprocess.run(
            [
                str(tools / GENERATOR),
                "generate",
                "--path",
                str(schema_path),
                "--config",
                str(HERE / "generator.yaml"),
                "--meta",
                "pdm",
                "--output-path",
                str(Path(work) / "client"),
                "--fail-on-warning",
            ],
            check=True,
            env=env,
            cwd=work,
        )
        shutil.rmtree(output, ignore_errors=True)
        shutil.copytree(Path(work) / "client", output, ignore=shutil.ignore_patterns(".ruff_cache"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, help="write schema and client here instead of clients/python/")
    args = parser.parse_args()
    schema_path = args.output / "openapi.json" if args.output else SCHEMA
    package = args.output / "sealhub-client" if args.output else PACKAGE
    schema_path.parent.mkdir(parents=True, exist_ok=True)
    schema_path.write_text(schema_text(company_schema()))
    generate_package(schema_path, package)


if __name__ == "__main__":
    main()
