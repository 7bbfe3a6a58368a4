from __future__ import annotations

import pytest

from tests.conftest import client_on

pytestmark = pytest.mark.django_db


def test_healthz_names_the_missing_worker(world, monkeypatch):
    # A deployment whose workers never reported in: no heartbeat under this key.
    monkeypatch.setattr("config.views.WORKER_HEARTBEAT_KEY", "sealhub:workers:none-registered")
    response = client_on(world.alpha).get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "fail", "checks": {"database": "ok", "redis": "ok", "worker": "fail"}}


def test_healthz_reports_a_broken_redis_without_leaking_details(world, monkeypatch):
    def unreachable():
        raise ConnectionError("redis://secret-host:6379 refused")

    monkeypatch.setattr("config.views._redis", unreachable)
    response = client_on(None).get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "fail"
    assert b"secret-host" not in response.content


def test_healthz_is_never_cached(world):
    response = client_on(None).get("/healthz")
    assert "no-cache" in response["Cache-Control"]
