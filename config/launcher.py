"""`make run`: one command for database, Redis, migrations, demo data, web, worker and beat.

Ctrl-C stops everything it started, including the embedded services.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from config import embedded
from config.queues import BULK, PERIODIC, URGENT, queue_names

BASE_DIR = Path(__file__).resolve().parent.parent

# runserver (one thread per connection) never reuses a kept database connection: each one
# outlives its thread, and parallel visitors used up PostgreSQL's connection slots.
WEB_ENV = {"DATABASE_CONN_MAX_AGE": "0"}


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _say(message: str) -> None:
    print(f"[sealhub] {message}", flush=True)


def child_environment(*, port: int) -> dict[str, str]:
    """The environment of every process this command starts. Links in mail (a person's
    sign link) and in certificates (the CRL) are made from PLATFORM_URL, whose default
    names port 8000: unless one is set, it names the port this run serves. Mail goes to files
    under var/mail unless EMAIL_URL is set: printed, its sign links would pass through the
    worker's log, which hides them."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=os.environ.get("DJANGO_SETTINGS_MODULE", "config.settings"))
    env.setdefault("PLATFORM_URL", f"http://{env.get('BASE_DOMAIN') or 'localhost'}:{port}")
    env.setdefault("EMAIL_URL", f"file:///{mail_dir()}")
    return env


def mail_dir() -> Path:
    return embedded.var_dir() / "mail"


def worker_commands(celery: list[str], *, prefix: str, concurrency: int) -> dict[str, list[str]]:
    """A seal never waits behind page images: one worker for the work people wait for
    (config/queues.py), one for page images, webhook posts and periodic sweeps."""
    queues = queue_names(prefix)
    return {
        "worker": [*celery, "worker", "-l", "info", "-n", "urgent@%h", "-Q", queues[URGENT], "-c", str(concurrency)],
        "worker-bulk": [
            *celery,
            "worker",
            "-l",
            "info",
            "-n",
            "bulk@%h",
            "-Q",
            f"{queues[BULK]},{queues[PERIODIC]}",
            "-c",
            "1",
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", "2")))
    args = parser.parse_args(argv)

    if not _port_free(args.host, args.port):
        _say(f"Port {args.port} on {args.host} is already in use. Stop the program using it or run: make run PORT=8001")
        return 2

    mail_to_files = not os.environ.get("EMAIL_URL")
    env = child_environment(port=args.port)
    if mail_to_files:
        _say(f"mail (one-time codes, sign links, invitations) is written to {mail_dir()}, one file per message")
    started_embedded = []
    try:
        # Services someone else already runs are reused and left running at exit.
        if not env.get("DATABASE_URL"):
            _say(f"embedded PostgreSQL in {embedded.var_dir() / 'pg'}")
            if not embedded.postgres_running():
                started_embedded.append("postgres")
            env["DATABASE_URL"] = embedded.postgres_url()
        if not env.get("REDIS_URL"):
            _say(f"embedded Redis in {embedded.var_dir() / 'redis'}")
            if not embedded.redis_running():
                started_embedded.append("redis")
            env["REDIS_URL"] = embedded.redis_url()
    except embedded.EmbeddedServiceError as error:
        _say(str(error))
        _stop_embedded(started_embedded)
        return 2

    manage = [sys.executable, str(BASE_DIR / "manage.py")]
    children: list[subprocess.Popen] = []
    stopping = False

    def stop(signum=None, frame=None):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    try:
        _say("migrating")
        subprocess.run([*manage, "sealhub_setup"], env=env, check=True, cwd=BASE_DIR)
        # With DEBUG=false pages link the hashed names that only collectstatic writes.
        subprocess.run([*manage, "collectstatic", "--noinput", "-v", "0"], env=env, check=True, cwd=BASE_DIR)
        subprocess.run([*manage, "demo_seed", "--port", str(args.port)], env=env, check=True, cwd=BASE_DIR)
        celery = [sys.executable, "-m", "celery", "-A", "config"]
        commands = {
            "web": [*manage, "runserver", f"{args.host}:{args.port}", "--noreload"],
            **worker_commands(celery, prefix=env.get("SEALHUB_TASK_QUEUE", "sealhub"), concurrency=args.concurrency),
            "beat": [*celery, "beat", "-l", "info", "-s", str(embedded.var_dir() / "celerybeat-schedule")],
        }
        for name, command in commands.items():
            # A new process group per child: Ctrl-C reaches us once, we stop them in order.
            child_env = {**env, **WEB_ENV} if name == "web" else env
            children.append(subprocess.Popen(command, env=child_env, cwd=BASE_DIR, start_new_session=True))
            _say(f"{name} started (pid {children[-1].pid})")
        _say(f"ready: http://localhost:{args.port}/  demo: http://demo.localhost:{args.port}/  (Ctrl-C stops all)")
        while not stopping:
            for child in children:
                if child.poll() is not None:
                    command = " ".join(child.args[:4])
                    _say(f"a process exited unexpectedly ({command} …, code {child.returncode}); stopping")
                    exit_code = 1
                    stopping = True
            time.sleep(0.3)
    except subprocess.CalledProcessError as error:
        _say(f"setup failed: {' '.join(map(str, error.cmd[1:3]))} exited with {error.returncode}")
        exit_code = 1
    finally:
        _say("stopping")
        for child in children:
            if child.poll() is None:
                child.terminate()
        deadline = time.monotonic() + 20
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        _stop_embedded(started_embedded)
        _say("stopped")
    return exit_code


def _stop_embedded(started: list[str]) -> None:
    if "redis" in started:
        embedded.redis_stop()
    if "postgres" in started:
        embedded.postgres_stop()


if __name__ == "__main__":
    sys.exit(main())
