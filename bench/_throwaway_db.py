"""A throw-away database on the configured (or embedded) server for benchmarks."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("EMAIL_URL", "dummy://")  # the services mail people; nobody to mail here


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


@contextlib.contextmanager
def throwaway_database(name: str):
    """Create `name`, point Django at it, migrate it, and drop it afterwards."""
    import psycopg

    from config import embedded

    server_url = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    admin_url = _with_database(server_url, "postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = _with_database(server_url, name)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connections

    try:
        call_command("sealhub_setup", verbosity=0)
        yield
    finally:
        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
