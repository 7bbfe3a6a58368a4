"""API latency under concurrent load, over loopback HTTP against gunicorn.

Prints p50/p99 for listing documents and for verifying a 10-page signed PDF with 20
concurrent clients. Targets (issue "Proof"): p99 under 100 ms for the list and under 1 s
for verification. Runs in a throw-away database `sealhub_bench_api`.
"""

from __future__ import annotations

import asyncio
import os
import runpy
import secrets
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

from _throwaway_db import throwaway_database
from seal import start_platform_server, stop_worker

CLIENTS = 20
LIST_REQUESTS = 1000
VERIFY_REQUESTS = 200
DOCUMENTS = 50
GUNICORN_CONFIG = Path(__file__).resolve().parent.parent / "config" / "gunicorn.conf.py"


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
    from documents.services.placements import placement_add
    from documents.services.sealing import document_seal_execute, document_seal_request
    from documents.services.versions import document_upload
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
        grant = document_seal_request(
            document=document,
            company=company,
            seal_id=seal.pk,
            user=owner,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )
        version = document_seal_execute(grant_id=grant.pk)
        with version.file.open("rb") as handle:
            signed = handle.read()
    return company.domains.get(is_primary=True).domain, raw, signed


async def _one(port: int, request: bytes) -> float:
    """One request on a fresh loopback connection (gunicorn's sync workers close each one)."""
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")), 0
    )
    await reader.readexactly(length)
    elapsed = time.perf_counter() - started
    writer.close()
    status = int(head.split(b" ", 2)[1])
    assert status == 200, head.decode("latin-1")
    return elapsed


async def _clients(port: int, requests: list[bytes]) -> list[float]:
    """CLIENTS concurrent clients, each sending its next request when the last is answered."""
    pending = iter(requests)
    timings: list[float] = []

    async def client() -> None:
        for request in pending:
            timings.append(await _one(port, request))

    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    return timings


def _load(port: int, requests: list[bytes], server_pid: int) -> tuple[list[float], float]:
    """Timings of `requests`, and the server's CPU milliseconds per request. A light asyncio
    client: on a small machine the load generator shares the cores with the server."""
    import psutil

    asyncio.run(_clients(port, requests[: CLIENTS * 2]))  # warm up every worker process
    # Workers, and the process each starts to fork verification sandboxes from (its
    # finished children count in its own children times).
    processes = [psutil.Process(server_pid), *psutil.Process(server_pid).children(recursive=True)]

    def cpu() -> float:
        return sum(sum(process.cpu_times()[:4]) for process in processes)

    before = cpu()
    timings = asyncio.run(_clients(port, requests))
    return timings, (cpu() - before) * 1000 / len(requests)


def _get(host: str, path: str, key: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Api-Key {key}\r\nConnection: close\r\n\r\n".encode()


def _post_file(host: str, path: str, data: bytes) -> bytes:
    boundary = "sealhub-bench-boundary"
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="signed.pdf"\r\n'
        f"Content-Type: application/pdf\r\n\r\n".encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def main() -> None:
    # Production settings (DEBUG off), so the secrets it insists on are made up here; the
    # in-process preparation and the server share them.
    os.environ.setdefault("MASTER_KEY", secrets.token_urlsafe(32))
    # Sealing while preparing reaches the platform's /pki (TSA, revocation data for B-LT): its
    # address goes into the certificates, so it is chosen first and served while preparing.
    port = _free_port()
    os.environ.update(PLATFORM_URL=f"http://localhost:{port}", TSA_URLS=f"http://localhost:{port}/pki/tsa")
    with throwaway_database("sealhub_bench_api"):
        from django.conf import settings
        from django.db import connections

        platform = start_platform_server(port)
        try:
            host, key, signed = _prepare()
        finally:
            stop_worker(platform)
        connections.close_all()
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings",
            DEBUG="false",
            LOG_LEVEL="WARNING",
            SECRET_KEY=secrets.token_urlsafe(50),
            SECURE_SSL_REDIRECT="false",  # plain HTTP on loopback
            # Budgets are still counted on every request, but must not refuse the generator.
            API_RATE_LIMIT="1000000/min",
            VERIFY_RATE_LIMIT="1000000/min",
            ALLOWED_HOSTS=f"{settings.BASE_DOMAIN},.{settings.BASE_DOMAIN}",
        )
        # The production settings file, with its worker count, on a loopback port.
        workers = runpy.run_path(str(GUNICORN_CONFIG))["workers"]
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-c",
                str(GUNICORN_CONFIG),
                "-b",
                f"127.0.0.1:{port}",
                "--log-level",
                "warning",
            ],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.2)
            runs = [
                (
                    f"GET /documents/ ({DOCUMENTS + 1} documents)",
                    0.1,
                    [_get(host, "/api/v1/documents/", key)] * LIST_REQUESTS,
                ),
                # A new address each time misses the page cache: the cost of the first read after a change.
                (
                    "  the same, every page read from the database",
                    0.1,
                    [_get(host, f"/api/v1/documents/?page_size=50&n={index}", key) for index in range(LIST_REQUESTS)],
                ),
                (
                    "POST /verify/ (10-page PDF, 1 signature)",
                    1.0,
                    [_post_file(host, "/api/v1/verify/", signed)] * VERIFY_REQUESTS,
                ),
            ]
            results = [(label, target, *_load(port, requests, server.pid)) for label, target, requests in runs]
        finally:
            server.terminate()
            server.wait(timeout=20)
        print(
            f"API under load: {CLIENTS} concurrent clients (asyncio, one process) against gunicorn with {workers} "
            f"sync workers (config/gunicorn.conf.py), DEBUG off, loopback, {os.cpu_count()} CPUs shared by both"
        )
        for label, target, timings, cpu_ms in results:
            p50, p99 = statistics.median(timings), _percentile(timings, 0.99)
            verdict = "meets" if p99 < target else "misses"
            print(
                f"  {label:<46} p50 {p50 * 1000:7.1f} ms   p99 {p99 * 1000:7.1f} ms   server CPU {cpu_ms:5.1f} ms"
                f"/request   ({verdict} the p99 target of {target * 1000:.0f} ms, n={len(timings)})"
            )


if __name__ == "__main__":
    main()
