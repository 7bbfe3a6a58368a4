"""Per-process health commands for a supervisor or a container probe: a worker is healthy
while its own heartbeat is fresh, beat while the job it schedules every minute has run."""

from __future__ import annotations

import os
import socket
import time

import pytest
from django.core.management import CommandError, call_command
from django_redis import get_redis_connection

from config.celery import WORKER_HEARTBEAT_KEY, worker_heartbeat_write
from tenants import tasks
from tenants.management.commands import beat_health


@pytest.fixture
def redis():
    return get_redis_connection("default")


def test_a_worker_with_a_fresh_heartbeat_is_healthy_and_a_silent_one_is_not(redis, capsys):
    name = f"probe-{os.getpid()}@{socket.gethostname()}"
    worker_heartbeat_write(name)
    try:
        call_command("worker_health", "--name", f"probe-{os.getpid()}@%h")
        assert "ok" in capsys.readouterr().out
        redis.zadd(WORKER_HEARTBEAT_KEY, {name: time.time() - 3600})  # stopped beating an hour ago
        with pytest.raises(CommandError, match="no recent heartbeat"):
            call_command("worker_health", "--name", name)
    finally:
        redis.zrem(WORKER_HEARTBEAT_KEY, name)
    with pytest.raises(CommandError):
        call_command("worker_health", "--name", f"never-started-{os.getpid()}@%h")


def test_beat_is_healthy_only_while_its_heartbeat_job_runs(redis, monkeypatch):
    key = f"sealhub:beat:test-{os.getpid()}"
    monkeypatch.setattr(tasks, "BEAT_HEARTBEAT_KEY", key)
    monkeypatch.setattr(beat_health, "BEAT_HEARTBEAT_KEY", key)
    try:
        with pytest.raises(CommandError, match="has not run"):
            call_command("beat_health")
        tasks.beat_heartbeat()  # what the periodic worker runs when beat queues it
        call_command("beat_health")
        redis.set(key, time.time() - 600)
        with pytest.raises(CommandError):
            call_command("beat_health")
    finally:
        redis.delete(key)
