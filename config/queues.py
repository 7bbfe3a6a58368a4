"""Task queues by urgency. A person waiting on a seal must never wait behind page images of
someone's 500-page upload, so the work a person waits for (sealing, signing, envelope steps,
mail) has a queue of its own; bulk work (page images, webhook posts) and periodic sweeps have
theirs. Pure Python: settings, the launcher, benchmarks and tests all derive the names here.
"""

from __future__ import annotations

URGENT = "urgent"
BULK = "bulk"
PERIODIC = "periodic"

# Tasks not listed run on the urgent queue (the default queue).
_ROUTED = {
    "documents.tasks.document_previews": BULK,
    "documents.tasks.evidence_package_job": BULK,
    "workflows.tasks.webhook_deliver": BULK,
    "documents.tasks.document_seal_requeue_stale_all": PERIODIC,
    "workflows.tasks.envelope_deadlines_all": PERIODIC,
    "workflows.tasks.webhook_deliveries_due_all": PERIODIC,
    "seals.tasks.seal_expiry_reminders": PERIODIC,
    "tenants.tasks.idempotency_records_purge": PERIODIC,
    "tenants.tasks.beat_heartbeat": PERIODIC,
    "documents.tasks.archive_timestamps_renew_all": PERIODIC,
}


def queue_names(prefix: str) -> dict[str, str]:
    """The queue name of each kind; the urgent one is the prefix itself, so a worker started
    with `-Q <prefix>` (as before queues were split) still serves every seal."""
    return {URGENT: prefix, BULK: f"{prefix}.{BULK}", PERIODIC: f"{prefix}.{PERIODIC}"}


def task_routes(prefix: str) -> dict[str, dict[str, str]]:
    names = queue_names(prefix)
    return {task: {"queue": names[kind]} for task, kind in _ROUTED.items()}


def all_queues(prefix: str) -> str:
    """The `-Q` argument of a worker that serves every queue (tests, a single small server)."""
    return ",".join(queue_names(prefix).values())
