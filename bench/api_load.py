"""API latency under concurrent load, over loopback HTTP against gunicorn.

Prints p50/p99 for listing documents and for verifying a 10-page signed PDF with 20
concurrent clients. Targets (issue "Proof"): p99 under 100 ms for the list and under 1 s
for verification. Runs in a throw-away database `sealhub_bench_api`.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _throwaway_db import throwaway_database

CLIENTS = 20
LIST_REQUESTS = 1000
VERIFY_REQUESTS = 200
DOCUMENTS = 50
GUNICORN_WORKERS = 2 * (os.cpu_count() or 1)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _prepare():
    """A company with documents, a key, and a 10-page PDF carrying a seal's signature."""
    from django_tenants.utils import tenant_context

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from accounts.models import User
    from documents.services import document_seal_execute, document_seal_request, document_upload, placement_add
    from tenants.models import Company
    from tenants.services import api_key_create, company_create
    from tests.conftest import enrol_authenticator, totp_now
    from tests.documents.pdfs import make_pdf
    from tests.workflows.conftest import SEAL_PASSWORD, seal_for, uscc_for

    owner = User.objects.create_user("bench@example.com", "bench-password-1")
    company = company_create(name="Bench Ltd", slug="bench", uscc=uscc_for(4242), owner=owner, acting_user=owner)
    Company.objects.filter(pk=company.pk).update(verification=Company.Verification.APPROVED)
    company.refresh_from_db()
    seal = seal_for(company, owner)
    device, _codes = enrol_authenticator(owner)
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="bench", scopes=["documents"], acting_user=owner)
        for index in range(DOCUMENTS):
            document = document_upload(name=f"bench-{index}.pdf", data=make_pdf(1), acting_user=owner)
        document = document_upload(name="ten-pages.pdf", data=make_pdf(10), acting_user=owner)
        placement_add(document=document, company=company, seal_id=seal.pk, page=9, x=380, y=80, acting_user=owner)
        grant = document_seal_request(document=document, company=company, seal_id=seal.pk, user=owner,
                                      seal_password=SEAL_PASSWORD, otp_method="authenticator",
                                      otp_code=totp_now(device, 1))  # fmt: skip
        version = document_seal_execute(grant_id=grant.pk)
        with version.file.open("rb") as handle:
            signed = handle.read()
    return company.domains.get(is_primary=True).domain, raw, signed


def _load(url: str, headers: dict, count: int, body: bytes | None = None) -> list[float]:
    """`count` requests from CLIENTS threads, each with its own keep-alive connection."""
    import threading

    import requests

    local = threading.local()

    def one(_index: int) -> float:
        session = getattr(local, "session", None) or requests.Session()
        local.session = session
        started = time.perf_counter()
        if body is None:
            response = session.get(url, headers=headers, timeout=30)
        else:
            files = {"file": ("signed.pdf", body, "application/pdf")}
            response = session.post(url, headers=headers, files=files, timeout=60)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (response.status_code, response.text[:200])
        return elapsed

    with ThreadPoolExecutor(CLIENTS) as pool:
        list(pool.map(one, range(CLIENTS * 2)))  # warm up every worker and connection
        return list(pool.map(one, range(count)))


def main() -> None:
    with throwaway_database("sealhub_bench_api"):
        from django.conf import settings
        from django.db import connections

        host, key, signed = _prepare()
        connections.close_all()
        port = _free_port()
        env = dict(
            os.environ, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="true", LOG_LEVEL="WARNING",
            API_RATE_LIMIT="100000/min", VERIFY_RATE_LIMIT="100000/min",  # measure the server, not the limits
            ALLOWED_HOSTS=f"{settings.BASE_DOMAIN},.{settings.BASE_DOMAIN}",
        )  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi", "-w", str(GUNICORN_WORKERS), "-b", f"127.0.0.1:{port}",
             "--log-level", "warning"],
            cwd=Path(__file__).resolve().parent.parent, env=env,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            base = f"http://127.0.0.1:{port}/api/v1"
            headers = {"Host": host, "Authorization": f"Api-Key {key}"}
            listing = _load(f"{base}/documents/", headers, LIST_REQUESTS)
            verifying = _load(f"{base}/verify/", {"Host": host}, VERIFY_REQUESTS, body=signed)
        finally:
            server.terminate()
            server.wait(timeout=20)
        print(f"API under load: {CLIENTS} concurrent clients, gunicorn with {GUNICORN_WORKERS} workers, loopback")
        for label, timings, target in (
            (f"GET /documents/ ({DOCUMENTS + 1} documents)", listing, 0.1),
            ("POST /verify/ (10-page PDF, 1 signature)", verifying, 1.0),
        ):
            p50, p99 = statistics.median(timings), _percentile(timings, 0.99)
            verdict = "meets" if p99 < target else "misses"
            print(f"  {label:<44} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   "
                  f"({verdict} the p99 target of {target * 1000:.0f} ms, n={len(timings)})")  # fmt: skip


if __name__ == "__main__":
    main()
