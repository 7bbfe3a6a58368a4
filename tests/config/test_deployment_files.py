"""The process definitions in deploy/ (README, "Production") agree with the code: together
the workers serve every queue of config/queues.py and each worker serves one kind; the
Procfile and the systemd units start the same processes; every process has a health check,
and the health check of a worker asks for the name that worker runs under."""

from __future__ import annotations

import configparser
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from config.queues import BULK, PERIODIC, URGENT, queue_names

BASE_DIR = Path(__file__).resolve().parents[2]
DEPLOY = BASE_DIR / "deploy"
PROCESSES = {"web", "urgent", "bulk", "periodic", "beat"}
QUEUES = queue_names("sealhub")
WORKER_QUEUE = {"urgent": QUEUES[URGENT], "bulk": QUEUES[BULK], "periodic": QUEUES[PERIODIC]}


def _procfile() -> dict[str, list[str]]:
    processes = {}
    for line in (DEPLOY / "Procfile").read_text().splitlines():
        name, command = line.split(":", 1)
        # The shell expands ${NAME:-default}; read the defaults.
        processes[name] = shlex.split(re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", command))
    return processes


def _unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None, strict=False)
    unit.optionxform = str
    unit.read_string((DEPLOY / "systemd" / name).read_text())
    return unit


def _option(arguments: list[str], flag: str) -> str:
    return arguments[arguments.index(flag) + 1]


def test_the_procfile_runs_every_process_and_the_workers_serve_every_queue_once():
    processes = _procfile()
    assert set(processes) == PROCESSES | {"release"}
    served = []
    for name, queue in WORKER_QUEUE.items():
        command = processes[name]
        assert command[:4] == ["celery", "-A", "config", "worker"]
        assert _option(command, "-Q") == queue
        assert _option(command, "-n") == f"{name}@%h"
        served.append(queue)
    assert sorted(served) == sorted(QUEUES.values())
    assert processes["web"][:3] == ["gunicorn", "-c", "config/gunicorn.conf.py"]
    assert (BASE_DIR / "config" / "gunicorn.conf.py").is_file()
    assert processes["beat"][:4] == ["celery", "-A", "config", "beat"]


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_each_systemd_unit_starts_what_the_procfile_starts(name):
    unit = _unit(f"sealhub-{name}.service")
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/sealhub/sealhub.env"
    assert service["Restart"] == "always"
    assert unit["Install"]["WantedBy"] == "sealhub.target"
    command = shlex.split(service["ExecStart"])
    assert command[0].startswith("/opt/sealhub/.venv/bin/")
    if name in WORKER_QUEUE:
        # systemd reads %h as a home directory: the unit says %%h for Celery's host name.
        assert "%h" not in service["ExecStart"].replace("%%h", "")
        expected = _procfile()[name]
        assert _option(command, "-Q") == _option(expected, "-Q")
        assert _option(command, "-n").replace("%%h", "%h") == _option(expected, "-n")
    elif name == "web":
        assert command[1:4] == ["-c", "config/gunicorn.conf.py", "-b"]


def test_a_failed_health_check_restarts_that_process():
    health = _unit("sealhub-health@.service")
    assert health["Unit"]["OnFailure"] == "sealhub-restart@%i.service"
    assert health["Service"]["ExecStart"] == "/opt/sealhub/deploy/health-check %i"
    restart = _unit("sealhub-restart@.service")
    assert restart["Service"]["ExecStart"] == "/bin/systemctl restart sealhub-%i.service"
    assert _unit("sealhub-health@.timer")["Timer"]["OnUnitActiveSec"] == "1min"


@pytest.mark.parametrize("name", sorted(PROCESSES))
def test_every_process_has_a_health_check(name, tmp_path):
    """The script's check for each process is the command the README names (run with a
    stand-in Python that prints what it was asked to run)."""
    if name == "web":
        script = (DEPLOY / "health-check").read_text()
        assert "curl -s -o /dev/null -m 10 -w '%{http_code}' \"http://127.0.0.1:${PORT:-8000}/healthz\"" in script
        return
    python = tmp_path / "python"
    python.write_text('#!/bin/sh\necho "$@"\n')
    python.chmod(0o755)
    ran = subprocess.run(
        [str(DEPLOY / "health-check"), name],
        env={"PYTHON": str(python), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    expected = "manage.py beat_health" if name == "beat" else f"manage.py worker_health --name {name}@%h"
    assert ran.stdout.strip() == expected


def test_an_unknown_process_name_is_refused():
    ran = subprocess.run([str(DEPLOY / "health-check"), "webserver"], capture_output=True, text=True)
    assert ran.returncode == 2 and "usage" in ran.stderr
