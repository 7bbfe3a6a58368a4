from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from config.env import ConfigurationError, env_bool, env_str

BASE_DIR = Path(__file__).resolve().parents[2]


def test_booleans_must_be_spelled_out(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "yes")
    with pytest.raises(ConfigurationError, match="SOME_FLAG must be 'true' or 'false'"):
        env_bool("SOME_FLAG", False)
    monkeypatch.setenv("SOME_FLAG", "FALSE")
    assert env_bool("SOME_FLAG", True) is False


def test_secret_can_come_from_a_file(monkeypatch, tmp_path):
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("SOME_SECRET", "from-env")
    monkeypatch.setenv("SOME_SECRET_FILE", str(secret_file))
    assert env_str("SOME_SECRET") == "from-file"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    child_env = {key: value for key, value in os.environ.items() if key not in {"SECRET_KEY", "MASTER_KEY", "DEBUG"}}
    child_env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DATABASE_URL": os.environ.get("DATABASE_URL") or "postgresql://unused@127.0.0.1:1/unused",
            "REDIS_URL": settings.REDIS_URL,
            **env,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=child_env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secrets():
    result = _manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY and MASTER_KEY must be set when DEBUG=false" in result.stderr


def test_check_deploy_is_clean_with_real_secrets():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DEBUG="false",
        SECRET_KEY="k" * 20 + "Zq8!vR2#pL5@xW9$mN3^bT7&" + "y" * 20,
        MASTER_KEY="m" * 64,
        BASE_DOMAIN="sealhub.example.com",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("proxies", "believed"), [("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_x_forwarded_proto_is_believed_only_behind_a_proxy(proxies, believed):
    # Without a proxy a client could write the header itself and be taken for HTTPS over
    # plain HTTP (no redirect to HTTPS, "secure" cookies sent in the clear).
    result = _manage(
        "shell",
        "-c",
        "from django.conf import settings; print(getattr(settings, 'SECURE_PROXY_SSL_HEADER', None))",
        DEBUG="false",
        SECRET_KEY="k" * 50,
        MASTER_KEY="m" * 64,
        NUM_PROXIES=proxies,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == believed


@pytest.mark.django_db
def test_models_and_migrations_agree():
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)  # exits non-zero if a migration is missing


def test_health_probe_over_plain_http_is_answered_not_redirected():
    # A load balancer probes over plain HTTP, by an internal address, and treats a redirect
    # or a 400 as "down"; with the database unreachable it must hear which part failed.
    result = _manage(
        "shell",
        "-c",
        "import json; from django.test import Client; c = Client(HTTP_HOST='10.1.2.3:8000');"
        " r = c.get('/healthz'); print(r.status_code, json.loads(r.content)['checks']['database'])",
        DEBUG="false",
        SECRET_KEY="k" * 50,
        MASTER_KEY="m" * 64,
        BASE_DOMAIN="sealhub.example.com",
        DATABASE_URL="postgresql://unused@127.0.0.1:1/unused",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == ["503", "fail"]
