"""`make run` style start-up in embedded mode: fresh data dir, no DATABASE_URL/REDIS_URL."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from config import embedded
from tests.live import simultaneously

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
# Parallel requests in a burst, as the API benchmarks send them.
BURST = 20


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _embedded_env(var_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "SEALHUB_TASK_QUEUE", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(SEALHUB_VAR_DIR=str(var_dir), BASE_DOMAIN="localhost", WORKER_HEARTBEAT_SECONDS="1")
    return env


def _wait_healthy(port: int, process: subprocess.Popen, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"launcher exited early with {process.returncode}")
        try:
            last = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
            if last.status_code == 200:
                return last.json()
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    pytest.fail(f"/healthz never became ok: {last.text if last is not None else 'no answer'}")


def test_make_run_serves_healthz_and_the_demo_login(tmp_path):
    var_dir = tmp_path / "var"
    port = _free_port()
    log_path = tmp_path / "launcher.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "config.launcher", "--port", str(port)],
            cwd=BASE_DIR,
            env=_embedded_env(var_dir),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        assert _wait_healthy(port, process) == {
            "status": "ok",
            "checks": {"database": "ok", "redis": "ok", "worker": "ok"},
        }
        # Two bursts: every answer a good one (kept database connections once used up
        # PostgreSQL's slots here, and then /healthz answered 500 for a minute).
        demo = {"Host": f"demo.localhost:{port}", "Connection": "close"}
        for _round in range(2):
            answers = simultaneously(
                BURST,
                lambda index: requests.get(
                    f"http://127.0.0.1:{port}{'/healthz' if index % 2 else '/accounts/login/'}",
                    headers=demo,
                    timeout=60,
                ),
            )
            assert [answer.status_code for answer in answers] == [200] * BURST
        assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200

        printed = log_path.read_text()
        password = re.search(r"Demo user: demo@sealhub.local / (\S+)", printed).group(1)

        browser = requests.Session()
        host = {"Host": f"demo.localhost:{port}"}
        login_url = f"http://127.0.0.1:{port}/accounts/login/"
        browser.get(login_url, headers=host, timeout=10)
        response = browser.post(
            login_url,
            data={
                "username": "demo@sealhub.local",
                "password": password,
                "csrfmiddlewaretoken": browser.cookies["csrftoken"],
            },
            headers=host,
            timeout=10,
            allow_redirects=False,
        )
        assert response.status_code == 302
        home = browser.get(f"http://127.0.0.1:{port}/", headers=host, timeout=10)
        assert home.status_code == 200
        assert "演示科技有限公司" in home.text

        wrong = requests.Session()
        wrong.get(login_url, headers=host, timeout=10)
        refused = wrong.post(
            login_url,
            data={
                "username": "demo@sealhub.local",
                "password": "wrong",
                "csrfmiddlewaretoken": wrong.cookies["csrftoken"],
            },
            headers=host,
            timeout=10,
        )
        assert refused.status_code == 200
        assert "sessionid" not in wrong.cookies
    finally:
        process.send_signal(signal.SIGINT)
        try:
            exit_code = process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
        # Ctrl-C stops everything the launcher started, including the embedded services.
        assert exit_code == 0, log_path.read_text()[-3000:]
        assert not embedded.postgres_running(var_dir)
        assert not embedded.redis_running(var_dir)


def test_port_in_use_gives_a_clear_message(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "config.launcher", "--port", str(port)],
            cwd=BASE_DIR,
            env=_embedded_env(tmp_path / "var"),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2
    assert f"Port {port} on 127.0.0.1 is already in use" in result.stdout
    assert not (tmp_path / "var" / "pg").exists()  # nothing was started


def test_gunicorn_with_the_production_settings_file_verifies_a_pdf(django_db_setup):
    """The settings file the README deploys with: workers start, and verification runs in
    its sandbox process under them."""
    from django.conf import settings

    from tests.conftest import database_url_for_subprocess
    from tests.documents.pdfs import make_pdf

    port = _free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=database_url_for_subprocess(),
        REDIS_URL=settings.REDIS_URL,
        WEB_CONCURRENCY="2",
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi",
        "-c",
        "config/gunicorn.conf.py",
        "-b",
        f"127.0.0.1:{port}",
    ]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = requests.post(
                    f"http://127.0.0.1:{port}/api/v1/verify/",
                    headers={"Host": settings.BASE_DOMAIN},
                    files={"file": ("a.pdf", make_pdf(2), "application/pdf")},
                    timeout=30,
                )
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        assert response.status_code == 200, response.text
        assert response.json()["verdict"] == "no_signatures"
        # The supervisor's check of this process (deploy/health-check, README "Production").
        check = [str(BASE_DIR / "deploy" / "health-check"), "web"]
        alive = subprocess.run(check, env={**env, "PORT": str(port)}, capture_output=True, text=True, timeout=30)
        assert alive.returncode == 0, alive.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)
    gone = subprocess.run(check, env={**env, "PORT": str(port)}, capture_output=True, text=True, timeout=30)
    assert gone.returncode == 1 and "/healthz answered" in gone.stderr


def _visit(port: int, path: str) -> requests.Response:
    from django.conf import settings

    return requests.get(
        f"http://127.0.0.1:{port}{path}",
        headers={"Host": settings.BASE_DOMAIN, "Connection": "close"},
        timeout=60,
    )


def test_make_run_web_server_does_not_keep_a_database_connection_per_request(django_db_setup):
    """`make run` serves with runserver, one thread per connection; a connection kept for reuse
    outlives its thread there, so parallel visitors used up PostgreSQL's connection slots
    (and then every page answered 500)."""
    import psutil
    from django.conf import settings

    from config import launcher
    from tests.conftest import database_url_for_subprocess

    port = _free_port()
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="config.settings_test",
        DATABASE_URL=database_url_for_subprocess(),
        REDIS_URL=settings.REDIS_URL,
        **launcher.WEB_ENV,
    )
    command = [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"]
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", headers={"Host": settings.BASE_DOMAIN}, timeout=10)
                break
            except requests.ConnectionError:
                assert server.poll() is None and time.monotonic() < deadline, "runserver did not start"
                time.sleep(0.3)
        database_port = _database_port()
        # The burst the API benchmarks send, twice: pages that read the database and the
        # health probe, 20 at once. None may fail, and none may leave a connection behind.
        for _round in range(2):
            answers = simultaneously(BURST, lambda index: _visit(port, "/healthz" if index % 2 else "/"))
            assert sorted({answer.status_code for answer in answers}) in ([200], [200, 503]), [
                (answer.status_code, answer.text[:200]) for answer in answers if answer.status_code != 200
            ]
            probes = [answer.json() for answer in answers if answer.url.endswith("/healthz")]
            assert {probe["checks"]["database"] for probe in probes} == {"ok"}  # 503 only for "no worker"
            time.sleep(0.5)
            held = [
                link
                for link in psutil.Process(server.pid).net_connections(kind="tcp")
                if link.raddr and link.raddr.port == database_port and link.status == psutil.CONN_ESTABLISHED
            ]
            assert len(held) <= 2, f"the web server still holds {len(held)} database connections after {BURST} visits"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _database_port() -> int:
    from django.db import connection

    return int(connection.settings_dict.get("PORT") or 5432)
