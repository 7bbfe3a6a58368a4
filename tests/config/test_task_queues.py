"""Queues by urgency (config/queues.py): a person waiting on a seal never waits behind page
images or sweeps, because those go to other queues and `make run` starts a worker that
serves only the urgent one."""

from __future__ import annotations

import os
import time

import psutil
import pytest
from django.conf import settings

from config.celery import app, background_worker_niceness
from config.launcher import worker_commands
from config.queues import all_queues, queue_names
from tests.conftest import start_celery_worker, stop_celery_worker

PREFIX = settings.CELERY_TASK_DEFAULT_QUEUE
QUEUES = queue_names(PREFIX)


@pytest.fixture(autouse=True)
def _tasks_registered():
    # A worker imports every app's tasks module at start; do the same here.
    app.loader.import_default_modules()


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


@pytest.mark.parametrize(
    "task_name",
    [
        "documents.tasks.document_seal",
        "documents.tasks.document_seal_session_finish",
        "workflows.tasks.envelope_complete",
        "workflows.tasks.envelope_mail",
        "workflows.tasks.envelope_mail_owner",
    ],
)
def test_work_a_person_waits_for_goes_to_the_urgent_queue(task_name):
    assert task_name in app.tasks
    assert _queue_of(task_name) == QUEUES["urgent"]


@pytest.mark.parametrize("task_name", ["documents.tasks.document_previews", "workflows.tasks.webhook_deliver"])
def test_page_images_and_webhook_posts_wait_elsewhere(task_name):
    assert task_name in app.tasks
    assert _queue_of(task_name) == QUEUES["bulk"]


def test_every_periodic_sweep_runs_on_the_periodic_queue():
    # A new beat job left on the default queue would compete with seals every few minutes.
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks
        assert _queue_of(entry["task"]) == QUEUES["periodic"], entry["task"]


def test_every_routed_name_is_a_real_task():
    # A renamed task would silently fall back to the urgent queue.
    for task_name in settings.CELERY_TASK_ROUTES:
        assert task_name in app.tasks, task_name


def test_the_urgent_worker_serves_nothing_else():
    commands = worker_commands(["celery"], prefix="acme", concurrency=2)
    urgent = commands["worker"][commands["worker"].index("-Q") + 1]
    bulk = commands["worker-bulk"][commands["worker-bulk"].index("-Q") + 1]
    assert urgent.split(",") == ["acme"]
    assert sorted(bulk.split(",")) == ["acme.bulk", "acme.periodic"]
    assert sorted([*urgent.split(","), *bulk.split(",")]) == sorted(all_queues("acme").split(","))


def test_only_workers_without_the_urgent_queue_run_at_a_lower_priority(settings):
    settings.WORKER_BACKGROUND_NICENESS = 10
    assert background_worker_niceness([QUEUES["bulk"], QUEUES["periodic"]]) == 10
    assert background_worker_niceness([QUEUES["urgent"]]) is None
    assert background_worker_niceness(all_queues(PREFIX).split(",")) is None  # one small server serving all
    settings.WORKER_BACKGROUND_NICENESS = 0
    assert background_worker_niceness([QUEUES["bulk"], QUEUES["periodic"]]) is None


def _niceness_of(worker) -> list[int]:
    main = psutil.Process(worker.pid)
    return [process.nice() for process in [main, *main.children(recursive=True)]]


@pytest.mark.integration
def test_a_page_image_worker_gives_the_cpu_to_the_sealing_worker(django_db_setup):
    """On two cores a page-image render competed with seals for the CPU: the bulk worker's
    processes (those that render) run niced, the urgent worker's at the normal priority."""
    own = os.getpriority(os.PRIO_PROCESS, 0)
    production = {"WORKER_BACKGROUND_NICENESS": "10"}  # the default; the test settings turn it off
    bulk = start_celery_worker(
        queue=PREFIX,
        name=f"nice-bulk-{os.getpid()}",
        pool="prefork",
        queues=f"{QUEUES['bulk']},{QUEUES['periodic']}",
        environment=production,
    )
    urgent = start_celery_worker(
        queue=PREFIX, name=f"nice-urgent-{os.getpid()}", pool="prefork", queues=PREFIX, environment=production
    )
    try:
        deadline = time.monotonic() + 30
        while set(_niceness_of(bulk)) != {10} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert set(_niceness_of(bulk)) == {10}
        assert len(_niceness_of(bulk)) >= 2  # the main process and its pool processes
        assert set(_niceness_of(urgent)) == {own}
    finally:
        stop_celery_worker(bulk)
        stop_celery_worker(urgent)
