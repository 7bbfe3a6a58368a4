"""The Celery app. Tasks run in the schema of the tenant that queued them
(tenant-schemas-celery puts the schema name in a message header)."""

from __future__ import annotations

import logging
import os
import socket
import time

from celery import bootsteps, signals
from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django_redis import get_redis_connection
from kombu.exceptions import OperationalError
from tenant_schemas_celery.app import CeleryApp

from config.log_redaction import SecretRedactionFilter

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = CeleryApp("sealhub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

WORKER_HEARTBEAT_KEY = "sealhub:workers"
logger = logging.getLogger(__name__)


def worker_heartbeat_write(hostname: str) -> None:
    get_redis_connection("default").zadd(WORKER_HEARTBEAT_KEY, {hostname: time.time()})


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Writes 'I am alive' to Redis on a timer, so /healthz can tell a worker is up
    without a broadcast round trip on every probe."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.timer_entry = None
        self.hostname = getattr(worker, "hostname", None) or socket.gethostname()

    def start(self, worker):
        worker_heartbeat_write(self.hostname)
        self.timer_entry = worker.timer.call_repeatedly(
            settings.WORKER_HEARTBEAT_SECONDS, worker_heartbeat_write, (self.hostname,), priority=10
        )

    def stop(self, worker):
        if self.timer_entry is not None:
            self.timer_entry.cancel()
        get_redis_connection("default").zrem(WORKER_HEARTBEAT_KEY, self.hostname)


app.steps["worker"].add(WorkerHeartbeat)


@signals.after_setup_logger.connect
@signals.after_setup_task_logger.connect
def worker_log_redaction_install(logger, **kwargs) -> None:
    """The worker swaps the root's handlers for its own: those redact secrets too
    (config/log_redaction.py)."""
    for handler in logger.handlers:
        if not any(isinstance(item, SecretRedactionFilter) for item in handler.filters):
            handler.addFilter(SecretRedactionFilter())


def background_worker_niceness(consumed_queues) -> int | None:
    """The OS priority (nice value) for a worker process that serves `consumed_queues`: the
    configured background niceness when none of them is the urgent queue (page images,
    webhook posts, sweeps), None (unchanged) for a worker that seals. On a small machine a
    page-image render then takes the CPU only when no seal wants it."""
    if settings.CELERY_TASK_DEFAULT_QUEUE in set(consumed_queues):
        return None
    return settings.WORKER_BACKGROUND_NICENESS or None


def _own_priority_lower(niceness: int | None) -> None:
    # Absolute and only ever lower: a process started under `nice` keeps its own value.
    if niceness is not None and os.getpriority(os.PRIO_PROCESS, 0) < niceness:
        os.setpriority(os.PRIO_PROCESS, 0, niceness)


@signals.worker_process_init.connect
@signals.worker_ready.connect
def background_worker_priority_lower(**kwargs) -> None:
    """Each pool process (and the worker's main process) of a worker that serves no urgent
    queue runs at a lower priority: the queues are known here, after `-Q` was read."""
    _own_priority_lower(background_worker_niceness(app.amqp.queues.consume_from or app.amqp.queues))


@signals.task_prerun.connect
@signals.task_postrun.connect
def database_connections_recycle(sender=None, **kwargs) -> None:
    """Between tasks, close connections that are broken or older than CONN_MAX_AGE, like
    Django between requests; keep the others (CELERY_DB_REUSE_MAX)."""
    if getattr(getattr(sender, "request", None), "is_eager", False):
        return  # inside the caller's transaction
    close_old_connections()


def on_commit_enqueue(task, *args) -> None:
    """Queue `task` after the current transaction commits, in the schema that is current
    now: code acting across companies switches schemas inside one transaction, so the
    schema at commit time may be another one."""
    schema = connection.schema_name
    transaction.on_commit(lambda: _enqueue_committed(task, args, schema))


def _enqueue_committed(task, args: tuple, schema: str) -> None:
    """The work is committed already: a broker that cannot be reached must not turn the
    request that did it into an error. The beat jobs that look for stale sealing jobs,
    envelope completions, U-key embeddings and due webhook deliveries queue that work again
    once the broker is back; mail that nothing would send again (a one-time code, "your
    turn") is sent by this process instead (tasks marked `run_here_without_broker`)."""
    # Not at the top: this module loads with the `config` package, before settings exist,
    # and django_tenants.utils reads settings when it is imported.
    from django_tenants.utils import schema_context

    try:
        task.apply_async(args=args, headers={"_schema_name": schema})
    except OperationalError as exc:
        inline = getattr(task, "run_here_without_broker", False)
        logger.warning(
            "could not queue %s in schema %s: broker unreachable (%s)%s",
            task.name,
            schema,
            type(exc).__name__,
            "; running it here" if inline else "",
        )
        if inline:
            with schema_context(schema):
                task.apply(args=args)
