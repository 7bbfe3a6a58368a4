"""Sealhub as it runs on several machines: an S3-compatible server (moto's), and nodes that
each have their own working directory, local media root, var and temp folders, sharing
nothing with each other but PostgreSQL, Redis, the broker and the bucket. Each node runs a
web server (gunicorn with the production config file) and a Celery worker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
import pytest
import requests
from django.conf import settings
from django_redis import get_redis_connection

from config.celery import WORKER_HEARTBEAT_KEY
from config.queues import BULK, PERIODIC, URGENT, queue_names
from tests.conftest import database_url_for_subprocess

BASE_DIR = Path(__file__).resolve().parents[2]
S3_ACCESS = {"AWS_ACCESS_KEY_ID": "sealhub-test", "AWS_SECRET_ACCESS_KEY": "sealhub-test-secret"}
S3_REGION = "us-east-1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(check, what: str, seconds: float = 90, every: float = 0.2):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(every)
    return result


def process_stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Warm shutdown of the process group, or a kill when it does not end in time."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class S3Server:
    url: str
    process: subprocess.Popen

    def client(self):
        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name=S3_REGION,
            aws_access_key_id=S3_ACCESS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=S3_ACCESS["AWS_SECRET_ACCESS_KEY"],
        )

    def bucket_create(self, name: str) -> None:
        self.client().create_bucket(Bucket=name)

    def keys(self, bucket: str, prefix: str = "") -> set[str]:
        pages = self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        return {item["Key"] for page in pages for item in page.get("Contents", [])}

    def read(self, bucket: str, key: str) -> bytes:
        return self.client().get_object(Bucket=bucket, Key=key)["Body"].read()

    def settings(self, bucket: str) -> dict:
        """Django settings that put this process's stored files into the bucket too."""
        return {
            "STORAGES": {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage"}},
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_S3_REGION_NAME": S3_REGION,
            "AWS_DEFAULT_ACL": None,
            "AWS_QUERYSTRING_AUTH": True,
            **S3_ACCESS,
        }

    def environment(self, bucket: str) -> dict[str, str]:
        """The same for a node, as the README tells an operator to set it."""
        return {
            "AWS_STORAGE_BUCKET_NAME": bucket,
            "AWS_S3_ENDPOINT_URL": self.url,
            "AWS_DEFAULT_REGION": S3_REGION,
            **S3_ACCESS,
        }


def s3_server_start(folder: Path) -> S3Server:
    """moto's S3 server (moto[server] from PyPI) on a free loopback port."""
    port = free_port()
    log = open(folder / "moto.log", "w")  # noqa: SIM115 (lives as long as the server)
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=folder,
        env={**os.environ, **S3_ACCESS},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"

    def answers():
        assert process.poll() is None, (folder / "moto.log").read_text()[-2000:]
        try:
            return requests.get(f"{url}/moto-api/", timeout=2).status_code < 500
        except requests.ConnectionError:
            return False

    wait_for(answers, "the S3 server", seconds=60)
    return S3Server(url=url, process=process)


@dataclass
class Node:
    """One machine: its own folders, a web server and a worker."""

    name: str
    root: Path
    environment: dict[str, str]
    web_url: str = ""
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def media_root(self) -> Path:
        return self.root / "media"

    def local_files(self) -> list[Path]:
        """Every file this node kept under its media root or left in its temporary folder
        (there must be none: a file handed from one job to another would be one)."""
        return sorted(
            path for folder in (self.media_root, self.root / "tmp") for path in folder.rglob("*") if path.is_file()
        )

    def log(self, what: str) -> Path:
        return self.root / f"{what}.log"

    def _start(self, what: str, command: list[str], extra: dict[str, str] | None = None) -> subprocess.Popen:
        handle = open(self.log(what), "w")  # noqa: SIM115 (lives as long as the process)
        process = subprocess.Popen(
            command,
            cwd=self.root,
            env={**self.environment, **(extra or {})},
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append(process)
        return process

    def web_start(self, port: int) -> None:
        self._start(
            "web",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-c",
                str(BASE_DIR / "config" / "gunicorn.conf.py"),
                "-b",
                f"127.0.0.1:{port}",
            ],
            {"WEB_CONCURRENCY": "2"},
        )
        self.web_url = f"http://127.0.0.1:{port}"

    def web_ready(self) -> bool:
        assert self.processes[0].poll() is None, self.log("web").read_text()[-3000:]
        try:
            # Any answer: /healthz says 503 until a worker beats.
            requests.get(f"{self.web_url}/healthz", headers={"Host": settings.BASE_DOMAIN}, timeout=30)
        except requests.RequestException:
            return False
        return True

    def worker_start(self, *, queues: list[str]) -> None:
        """A worker named `<node>@<host>` on these queues."""
        self._start(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                "-c",
                "1",
                "-l",
                "warning",
                "-Q",
                ",".join(queues),
                "-n",
                f"{self.name}@%h",
            ],
        )

    def worker_ready(self) -> bool:
        """Its heartbeat is in Redis."""
        assert self.processes[1].poll() is None, self.log("worker").read_text()[-3000:]
        members = get_redis_connection("default").zrange(WORKER_HEARTBEAT_KEY, 0, -1)
        return any(member.decode().startswith(f"{self.name}@") for member in members)

    def stop(self) -> None:
        for process in self.processes:
            process_stop(process)

    def logs(self) -> str:
        return "\n".join(
            f"--- {self.name} {what} ---\n{self.log(what).read_text()[-4000:]}"
            for what in ("web", "worker")
            if self.log(what).exists()
        )


def node_environment(
    *, root: Path, broker_url: str | None, queue_prefix: str, s3: S3Server, bucket: str, tsa_url: str | None
) -> dict[str, str]:
    """What an operator sets on one machine (README, "Production"): the shared services by
    address; every local folder inside this machine's own root."""
    for folder in ("media", "var", "static", "tmp", "mail"):
        (root / folder).mkdir(parents=True, exist_ok=True)
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "CELERY_", "MEDIA_", "SEALHUB_")) and key not in {"TMPDIR", "EMAIL_URL"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings_test",
        PYTHONPATH=str(BASE_DIR),
        DATABASE_URL=database_url_for_subprocess(),
        REDIS_URL=settings.REDIS_URL,
        SEALHUB_TASK_QUEUE=queue_prefix,
        MEDIA_ROOT=str(root / "media"),
        SEALHUB_VAR_DIR=str(root / "var"),
        STATIC_ROOT=str(root / "static"),
        TMPDIR=str(root / "tmp"),
        EMAIL_URL=f"file:///{root / 'mail'}",
        WORKER_HEARTBEAT_SECONDS="1",
        **s3.environment(bucket),
    )
    if broker_url:  # otherwise REDIS_URL is the broker too
        environment["CELERY_BROKER_URL"] = broker_url
    if tsa_url:
        environment["TSA_URLS"] = tsa_url
    return environment


@dataclass
class Cluster:
    nodes: list[Node]
    bucket: str
    queue_prefix: str
    broker_url: str | None  # None: REDIS_URL

    def ready(self) -> None:
        """Wait until every web server answers and every worker beats. Started together
        and waited for together (after the test data is made): start-up is most of the
        time of a test with nodes."""
        try:
            wait_for(
                lambda: all(node.web_ready() and node.worker_ready() for node in self.nodes), "the nodes", 120, 0.3
            )
        except BaseException:
            logs = self.logs()
            self.stop()
            pytest.fail(f"the nodes did not start:\n{logs}")

    def stop(self) -> None:
        processes = [process for node in self.nodes for process in node.processes]
        for process in processes:  # all at once: each takes a few seconds to finish
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            process_stop(process)

    def logs(self) -> str:
        return "\n".join(node.logs() for node in self.nodes)


def cluster_start(*, folder: Path, broker_url: str | None, queue_prefix: str, s3: S3Server, bucket: str) -> Cluster:
    """Two nodes. Node 1's worker takes page images and periodic work, node 2's the urgent
    queue (sealing, envelope steps, mail): so a file uploaded through node 1 is sealed on
    node 2, and node 2's versions get their page images on node 1. Workers get their
    timestamps from node 1's web server, as from any TSA. Returns once all are started;
    `Cluster.ready` waits until they serve."""
    queues = queue_names(queue_prefix)
    nodes: list[Node] = []
    cluster = Cluster(nodes=nodes, bucket=bucket, queue_prefix=queue_prefix, broker_url=broker_url)
    ports = [free_port(), free_port()]
    tsa_url = f"http://127.0.0.1:{ports[0]}/pki/tsa"
    try:
        for number, worker_queues in ((1, [queues[BULK], queues[PERIODIC]]), (2, [queues[URGENT]])):
            root = folder / f"node{number}"
            node = Node(
                name=f"node{number}-{queue_prefix}",
                root=root,
                environment=node_environment(
                    root=root, broker_url=broker_url, queue_prefix=queue_prefix, s3=s3, bucket=bucket, tsa_url=tsa_url
                ),
            )
            nodes.append(node)
            node.web_start(ports[number - 1])
            node.worker_start(queues=worker_queues)
    except BaseException:
        cluster.stop()
        raise
    return cluster
