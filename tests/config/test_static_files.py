"""With DEBUG=false, pages link static files by the hashed names `collectstatic` writes.
`make run` collects them before it starts, and a machine where nobody ran it still
renders its pages (with unstyled ones) instead of answering 500 everywhere."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import client_on

BASE_DIR = Path(__file__).resolve().parents[2]
PRODUCTION = {"DEBUG": "false", "SECRET_KEY": "s" * 50, "MASTER_KEY": "m" * 50, "SECURE_SSL_REDIRECT": "false"}


def _production_static_storage(var_dir: Path) -> dict:
    """The staticfiles storage config/settings.py picks with DEBUG=false."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(PRODUCTION, SEALHUB_VAR_DIR=str(var_dir))
    printed = subprocess.run(
        [sys.executable, "-c", "import json, config.settings as s; print(json.dumps(s.STORAGES['staticfiles']))"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(printed.stdout)


@pytest.mark.django_db
def test_pages_render_with_the_production_static_storage_before_collectstatic(world, settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    settings.STORAGES = {**settings.STORAGES, "staticfiles": _production_static_storage(tmp_path / "var")}
    settings.WHITENOISE_USE_FINDERS = False

    for company, path in ((None, "/accounts/login/"), (None, "/verify/"), (world.alpha, "/accounts/login/")):
        response = client_on(company, HTTP_ACCEPT_LANGUAGE="en").get(path)
        assert response.status_code == 200, path
        assert 'href="/static/' in response.content.decode()


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.mark.integration
def test_make_run_with_debug_false_serves_pages_and_their_static_files(tmp_path):
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SEALHUB_TASK_QUEUE", "DJANGO_SETTINGS_MODULE", "STATIC_ROOT"}
    }
    env.update(PRODUCTION, SEALHUB_VAR_DIR=str(tmp_path / "var"), BASE_DOMAIN="localhost")
    log_path = tmp_path / "launcher.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.launcher", "--port", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    host = {"Host": f"localhost:{port}"}
    try:
        deadline = time.monotonic() + 240
        page = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                page = requests.get(f"http://127.0.0.1:{port}/accounts/login/", headers=host, timeout=5)
                break
            except requests.ConnectionError:
                time.sleep(0.5)
        assert page is not None, log_path.read_text()[-3000:]
        assert page.status_code == 200, log_path.read_text()[-3000:]
        stylesheet = re.search(r'href="(/static/[^"]+\.css)"', page.text).group(1)
        assert re.search(r"\.[0-9a-f]{12}\.css$", stylesheet)  # the collected, hashed name
        assert requests.get(f"http://127.0.0.1:{port}{stylesheet}", headers=host, timeout=5).status_code == 200
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
