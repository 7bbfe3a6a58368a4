"""Tasks run in the schema of the company that queued them, on a real worker."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from tenants.tasks import company_schema_probe
from tests.conftest import client_on

pytestmark = [pytest.mark.django_db, pytest.mark.integration]


def test_task_queued_in_a_runs_in_a_and_b_in_b(world, celery_worker_process):
    with tenant_context(world.alpha):
        alpha_result = company_schema_probe.delay()
    with tenant_context(world.beta):
        beta_result = company_schema_probe.delay()
    assert alpha_result.get(timeout=30) == {"schema": "c_alpha", "company_id": str(world.alpha.pk)}
    assert beta_result.get(timeout=30) == {"schema": "c_beta", "company_id": str(world.beta.pk)}


def test_task_queued_on_the_platform_runs_in_public(world, celery_worker_process):
    assert company_schema_probe.delay().get(timeout=30)["schema"] == "public"


def test_healthz_reports_the_live_worker(world, celery_worker_process):
    for client in (client_on(None), client_on(world.alpha)):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok", "worker": "ok"}}


def test_only_the_probe_keeps_its_result():
    """Queueing a task whose result is kept subscribes the queueing process to the result
    store: with Redis down that blocked a request ~20 s and then failed it."""
    from config.celery import app

    app.loader.import_default_modules()
    keeping = [name for name, task in app.tasks.items() if not name.startswith("celery.") and not task.ignore_result]
    assert keeping == ["tenants.tasks.company_schema_probe"]
