from __future__ import annotations

import time
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django_redis import get_redis_connection

from config.celery import app
from tenants.models import IdempotencyRecord


@app.task(ignore_result=False)  # `worker_check` waits for the answer
def company_schema_probe() -> dict:
    """Report which schema and company a task runs in. `manage.py worker_check`
    uses it after a deploy to prove workers keep each company's work in its schema."""
    tenant = getattr(connection, "tenant", None)
    return {
        "schema": connection.schema_name,
        "company_id": str(tenant.pk) if tenant is not None and hasattr(tenant, "pk") else None,
    }


@app.task
def idempotency_records_purge() -> int:
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_TTL_SECONDS)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted


BEAT_HEARTBEAT_KEY = "sealhub:beat"
BEAT_HEARTBEAT_SECONDS = 60.0


@app.task
def beat_heartbeat() -> float:
    """Beat queues this every minute; the time it ran is what `manage.py beat_health` reads:
    fresh means beat schedules and a periodic worker runs what it schedules."""
    now = time.time()
    get_redis_connection("default").set(BEAT_HEARTBEAT_KEY, now)
    return now
