"""Sealing speed: raw pyHanko vs Sealhub end to end, latency under load, worker scaling, memory.

For the same PDF, seal key, signature level (B-T) and TSA (the platform's, over HTTP) it prints
- raw pyHanko: stamp appearance + PAdES B-T signature, nothing else (with and without
  bytes_reserved); and the fair anchor for the API: raw pyHanko with bytes_reserved plus
  unlocking the seal key with the same scrypt, sampled interleaved with the API samples;
- Sealhub end to end: the API call (password + one-time code check, grant) until the
  signed version is stored by a real Celery worker, in wall time and in CPU time;
- seal latency p50/p95 with an urgent and a page-image worker (config/queues.py), idle and
  during a burst of 20 large uploads;
- throughput with 1 and 2 worker processes (documents per second), repeated for the spread,
  with where the machine's CPU went meanwhile;
- peak worker RSS while sealing a 1,000-page file.
Runs in a throw-away database with its own workers and queue.

Every seal time ends at the grant's finish time, written by the worker as it commits the
new version: the loop that waits for it adds nothing. Sealing times exclude the upload's
page images (the bench waits for them before asking for the seal) and the throughput run
has only sealing jobs ahead of it; the page images are timed on their own line. The
1,000-page file is sealed right after its upload, as a person would: that time includes
waiting for the page-image job running when the seal is asked for.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _throwaway_db import throwaway_database

from config.queues import BULK, PERIODIC, URGENT, all_queues, queue_names

BASE_DIR = Path(__file__).resolve().parent.parent
SAMPLES = 8
THROUGHPUT_DOCUMENTS = 16  # enough that the first, cold job of each worker process does not dominate
THROUGHPUT_ROUNDS = 3
LATENCY_SAMPLES = 8
BURST_UPLOADS = 20  # large uploads whose page images keep the bulk queue busy
BURST_PAGES = 12
WAIT_SECONDS = 600  # for any one wait on the workers: a dead worker stops the run instead of hanging it
QUEUE = f"sealhub-bench-{os.getpid()}"
# A scan per page: a 1,000-page file of ≈97 MB, just under the 100 MB upload limit.
BIG_PAGE_IMAGE_BYTES = 78_000


def _progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _ms(samples: list[float], percentile: int) -> float:
    """The nearest-rank percentile, in milliseconds."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, -(-percentile * len(ordered) // 100) - 1))] * 1000


def _worker_cpu_parts(pid: int) -> dict[str, float]:
    """User + system CPU so far of a worker's main process, its pool processes, and the
    sandbox fork server with its children (documents/pdf/limits.py)."""
    import psutil

    main = psutil.Process(pid)
    parts = {"main": 0.0, "pool": 0.0, "sandbox": 0.0}
    for process in [main, *main.children(recursive=True)]:
        try:
            times = process.cpu_times()
            if process.pid == pid:
                part = "main"
            elif process.ppid() == pid:
                part = "pool"
            else:
                part = "sandbox"
            parts[part] += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return parts


def _worker_cpu_seconds(pid: int) -> float:
    """User + system CPU of a worker and its pool processes so far."""
    return sum(_worker_cpu_parts(pid).values())


def _cpu_snapshot(worker_pid: int, server_pid: int) -> dict[str, float]:
    """CPU seconds so far: the worker's processes, the platform server's (it answers the
    TSA requests), this process, and the whole machine (busy and in all), with the wall time."""
    import psutil

    machine = psutil.cpu_times()
    parts = _worker_cpu_parts(worker_pid)
    return {
        "wall": time.perf_counter(),
        "workers": sum(parts.values()),
        **{f"workers_{name}": seconds for name, seconds in parts.items()},
        "server": _worker_cpu_seconds(server_pid),
        "bench": time.process_time(),
        "busy": sum(machine) - machine.idle - getattr(machine, "iowait", 0.0),
    }


def _cpu_used(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """CPUs each part used on average between the snapshots (1.0 = one core all the time)."""
    wall = after["wall"] - before["wall"]
    used = {key: (after[key] - before[key]) / wall for key in before if key != "wall"}
    used["other"] = used["busy"] - used["workers"] - used["server"] - used["bench"]
    used["split"] = ", ".join(
        f"{name[len('workers_') :]} {used[name]:.2f}" for name in sorted(before) if name.startswith("workers_")
    )
    used["cpu_seconds"] = after["workers"] - before["workers"] + after["server"] - before["server"]
    return used


def consumer_set(worker_name: str, queue: str, *, serve: bool) -> None:
    """Make the worker stop or resume taking jobs from `queue` (a broadcast it answers)."""
    from config.celery import app

    destination = [f"{worker_name}@{socket.gethostname()}"]
    control = app.control.add_consumer if serve else app.control.cancel_consumer
    replies = control(queue, destination=destination, reply=True, timeout=10)
    assert replies, f"{destination[0]} did not answer"


def tasks_done(worker_name: str) -> dict[str, int]:
    """Jobs the worker has finished since it started, by task name (a broadcast it answers)."""
    from config.celery import app

    node = f"{worker_name}@{socket.gethostname()}"
    replies = app.control.inspect(destination=[node], timeout=10).stats() or {}
    assert node in replies, f"{node} did not answer"
    return dict(replies[node].get("total", {}))


def tasks_taken(worker_name: str) -> list[str]:
    """The jobs the worker is running or holds to run next, by task name."""
    from config.celery import app

    node = f"{worker_name}@{socket.gethostname()}"
    inspect = app.control.inspect(destination=[node], timeout=10)
    taken = [*(inspect.active() or {}).get(node, []), *(inspect.reserved() or {}).get(node, [])]
    return sorted(task["name"] for task in taken)


def make_pdf(pages: int, image_bytes: int = 0) -> bytes:
    """`image_bytes` > 0 puts a distinct incompressible picture of about that size on every
    page (a scanned contract), so the file is pages × image_bytes large."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=0)
    side = int((image_bytes / 3) ** 0.5)
    for number in range(1, pages + 1):
        pdf.drawString(72, 760, f"Contract page {number}")
        if side:
            from PIL import Image

            scan = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
            pdf.drawImage(ImageReader(scan), 72, 300, width=400, height=400)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def start_worker(
    concurrency: int, pool: str = "prefork", queues: str | None = None, name: str | None = None
) -> subprocess.Popen:
    from django.conf import settings

    env = dict(
        os.environ, DATABASE_URL=os.environ["DATABASE_URL"], REDIS_URL=settings.REDIS_URL, SEALHUB_TASK_QUEUE=QUEUE
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
        "worker",
        "-l",
        "error",
        "-Q",
        queues or all_queues(QUEUE),
        "--pool",
        pool,
        "-c",
        str(concurrency),
        *(["-n", f"{name}@%h"] if name else []),
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115 (read if the worker dies, closed with it)
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=log)
    time.sleep(4)  # let it connect and import everything before timing anything
    if process.poll() is not None:
        log.seek(0)
        output = log.read()[-2000:].decode(errors="replace")
        raise RuntimeError(f"the worker exited with {process.returncode}: {output}")
    process.log = log
    return process


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_platform_server(port: int) -> subprocess.Popen:
    """The platform's /pki endpoints (TSA, CRLs, OCSP) over loopback HTTP, as the workers reach
    them in production: sealing asks the TSA for its token and gathers revocation data (B-LT)."""
    command = [sys.executable, "-m", "gunicorn", "config.wsgi", "-b", f"127.0.0.1:{port}", "-w", "2"]
    env = dict(os.environ, SECURE_SSL_REDIRECT="false")
    server = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            assert time.monotonic() < deadline, "the platform server did not start"
            time.sleep(0.2)


def stop_worker(process: subprocess.Popen) -> None:
    import psutil

    children = psutil.Process(process.pid).children(recursive=True) if process.poll() is None else []
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:  # a long page-image task still running
        process.kill()
        process.wait(timeout=30)
    for child in children:  # pool processes and their sandboxes, left behind by a kill
        with contextlib.suppress(psutil.NoSuchProcess):
            child.kill()


def raw_pyhanko_sealer(pdf: bytes, private_key, certificate_pem: str, chain_pem: list[str], appearance: bytes):
    """The same stamp + B-T signature written directly against pyHanko, with the same TSA
    (the platform's, over HTTP, as the worker asks it). Returns `sample(bytes_reserved,
    unlock)` → (wall seconds, CPU seconds of this process) for one seal; `unlock`: also
    unlock the key first (the fair anchor for an API call that checks the seal password:
    the same scrypt on the same protected key)."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from django.conf import settings
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers, timestamps
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def cert(pem: str):
        return asn1_x509.Certificate.load(
            x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
        )

    def key(k):
        return asn1_keys.PrivateKeyInfo.load(
            k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )

    signer = signers.SimpleSigner(
        signing_cert=cert(certificate_pem),
        signing_key=key(private_key),
        cert_registry=SimpleCertificateStore.from_certs([cert(p) for p in chain_pem]),
    )
    timestamper = timestamps.HTTPTimeStamper(settings.TSA_URLS[0])
    appearance_file = tempfile.NamedTemporaryFile(suffix=".pdf")  # noqa: SIM115 (lives as long as the sampler)
    appearance_file.write(appearance)
    appearance_file.flush()

    def sample(bytes_reserved=None, unlock=None) -> tuple[float, float]:
        started, cpu = time.perf_counter(), time.process_time()
        if unlock is not None:
            unlock()
        style = StaticStampStyle.from_pdf_file(appearance_file.name, border_width=0)
        meta = signers.PdfSignatureMetadata(field_name="Seal1", subfilter=fields.SigSeedSubFilter.PADES, certify=True)
        spec = fields.SigFieldSpec("Seal1", on_page=0, box=(380, 80, 499, 199))
        pdf_signer = signers.PdfSigner(meta, signer, timestamper=timestamper, new_field_spec=spec, stamp_style=style)
        pdf_signer.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=bytes_reserved, output=io.BytesIO()
        )
        return time.perf_counter() - started, time.process_time() - cpu

    sample.keep_alive = appearance_file
    return sample


def main() -> None:
    # Stopped from outside: still stop the workers and drop the database (the `finally`s).
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(1))
    os.environ["SEALHUB_TASK_QUEUE"] = QUEUE
    port = _free_port()  # the platform address is in the certificates: known before they are made
    os.environ.update(PLATFORM_URL=f"http://localhost:{port}", TSA_URLS=f"http://localhost:{port}/pki/tsa")
    with throwaway_database(f"sealhub_bench_sealing_{os.getpid()}"), contextlib.ExitStack() as cleanup:
        import psutil
        import redis
        from django.conf import settings
        from django.core.files.base import ContentFile
        from django.db.models import F
        from django.test import Client
        from django_redis import get_redis_connection
        from django_tenants.utils import tenant_context

        from accounts.models import User
        from accounts.two_factor import authenticator_begin, recovery_codes_regenerate
        from config import crypto
        from documents.models import DocumentVersion, SigningGrant
        from documents.services.placements import placement_add
        from documents.services.versions import document_upload
        from seals import keys, pki
        from seals.image import seal_pdf
        from seals.services import seal_application_approve, seal_application_submit, seal_face
        from tenants.models import Company
        from tenants.services import api_key_create, company_create

        owner = User.objects.create_user("bench@example.com", None)
        company = company_create(
            name="基准测试有限公司", slug="bench", uscc="91110000802100433B", owner=owner, acting_user=owner
        )
        # B-T, as the raw anchor signs (the product's default B-LT adds revocation data; its
        # cost against raw pyHanko B-LT is long_term.py's line).
        Company.objects.filter(pk=company.pk).update(
            verification=Company.Verification.APPROVED, signature_level=Company.SignatureLevel.B_T
        )
        company.refresh_from_db()
        application = seal_application_submit(
            company=company,
            applicant=owner,
            seal_type="contract",
            seal_name=company.name,
            seal_password="Bench-pass-1",
            business_licence=ContentFile(b"%PDF-1.4\n%%EOF\n", name="licence.pdf"),
        )
        seal = seal_application_approve(application=application, acting_user=owner)
        device = authenticator_begin(user=owner)
        device.confirmed = True
        device.save()
        with tenant_context(company):
            _key, api_key = api_key_create(company=company, name="bench", scopes=["admin"], acting_user=owner)
        api = Client(HTTP_HOST="bench.localhost", HTTP_AUTHORIZATION=f"Api-Key {api_key}")
        platform_server = start_platform_server(port)
        cleanup.callback(stop_worker, platform_server)
        pdf = make_pdf(1)

        data_key = keys.unwrap_data_key(
            seal.protected_key,
            "Bench-pass-1",
            context=str(application.pk).encode(),
            master_key=crypto.server_master_key(),
        )
        private_key = keys.decrypt_private_key(seal.protected_key, data_key, context=str(application.pk).encode())
        from cryptography.hazmat.primitives import serialization

        chain = [
            pki.certificate(r).public_bytes(serialization.Encoding.PEM).decode()
            for r in (pki.Role.SEAL_CA, pki.Role.ROOT)
        ]
        appearance = seal_pdf(seal_face(seal))
        raw_sample = raw_pyhanko_sealer(pdf, private_key, seal.certificate_pem, chain, appearance)

        def unlock():
            key = keys.unwrap_data_key(
                seal.protected_key,
                "Bench-pass-1",
                context=str(application.pk).encode(),
                master_key=crypto.server_master_key(),
            )
            keys.decrypt_private_key(seal.protected_key, key, context=str(application.pk).encode())

        codes: list[str] = []

        def request_seal(data: bytes, document=None):
            nonlocal codes
            if not codes:
                codes = recovery_codes_regenerate(user=owner)
            with tenant_context(company):
                document = document or document_upload(name="bench.pdf", data=data, acting_user=owner)
                placement_add(
                    document=document, company=company, seal_id=seal.pk, page=0, x=380, y=80, acting_user=owner
                )
            started, api_started, api_cpu = time.time(), time.perf_counter(), time.process_time()
            body = {
                "seal_id": str(seal.pk),
                "seal_password": "Bench-pass-1",
                "otp_method": "recovery_code",
                "otp_code": codes.pop(),
            }
            response = api.post(
                f"/api/v1/documents/{document.pk}/seal/", json.dumps(body), content_type="application/json"
            )
            assert response.status_code == 202, response.content
            api_seconds = (time.perf_counter() - api_started, time.process_time() - api_cpu)
            return response.json()["id"], started, document.pk, api_seconds

        def bulk_queue_purge() -> None:
            """Drop the page-image jobs not done: the queued ones, and those waiting for a
            fair-share slot of the company (config/fair_share.py) with the slots they hold,
            else the next page images would wait behind them (or for the dead slots)."""
            broker = redis.Redis.from_url(settings.REDIS_URL)
            bulk_queue = queue_names(QUEUE)[BULK]
            for key in broker.scan_iter(match=f"{bulk_queue}*"):
                broker.delete(key)
            # Taken by a worker that was killed mid-job (acks late): kombu would put them back
            # on the queue for a later worker.
            for tag, entry in broker.hgetall("unacked").items():
                if json.loads(entry)[-1] == bulk_queue:
                    broker.hdel("unacked", tag)
                    broker.zrem("unacked_index", tag)
            shares = get_redis_connection("default")
            for key in shares.scan_iter(match=f"sealhub:share:{QUEUE}:*"):
                shares.delete(key)

        def upload_only(data: bytes):
            with tenant_context(company):
                return document_upload(name="bench.pdf", data=data, acting_user=owner)

        def wait_previews(document_ids) -> None:
            with tenant_context(company):
                deadline = time.monotonic() + WAIT_SECONDS
                while DocumentVersion.objects.filter(
                    document_id__in=document_ids, previews_ready__lt=F("page_count")
                ).exists():
                    assert time.monotonic() < deadline, "page images not made in time: is the worker running?"
                    time.sleep(0.005)

        def wait(grant_ids: list[str]) -> None:
            """Until the jobs are done. The times come from the grants' own finish times (the
            worker's clock, the same machine's), so this loop's interval adds nothing to them."""
            with tenant_context(company):
                deadline = time.monotonic() + WAIT_SECONDS
                while SigningGrant.objects.filter(pk__in=grant_ids, status__in=["pending", "running"]).exists():
                    assert time.monotonic() < deadline, "sealing jobs not done in time: is the worker running?"
                    time.sleep(0.02)
                failed = list(SigningGrant.objects.filter(pk__in=grant_ids).exclude(status="done").values("error"))
                assert not failed, f"{len(failed)} jobs failed: {failed[:3]}"

        def sealed_after(grant_id, started: float) -> float:
            """Seconds from `started` (time.time() before the API call) until the worker
            finished the job (committed with the new version)."""
            wait([grant_id])
            with tenant_context(company):
                finished = SigningGrant.objects.values_list("finished_at", flat=True).get(pk=grant_id)
            return finished.timestamp() - started

        _progress("end to end, interleaved with the raw pyHanko anchors")
        # As `make run` has them: sealing on the urgent queue, page images on their own (so
        # the CPU counted for a seal is the urgent worker's alone).
        names = queue_names(QUEUE)
        worker = start_worker(1, queues=names[URGENT])
        previews_worker = start_worker(1, queues=f"{names[BULK]},{names[PERIODIC]}")
        try:
            grant_id, _started, document_id, _api = request_seal(pdf)  # warm-up: the first task connects
            wait([grant_id])
            wait_previews([document_id])
            for _ in range(2):  # warm-up: imports, the TSA's first answers
                raw_sample(), raw_sample(16384, unlock)
            raw, raw_reserved, raw_unlock = [], [], []
            end_to_end, api_part, worker_part, previews, cpu_per_seal = [], [], [], [], []
            for _ in range(SAMPLES):
                document = upload_only(pdf)
                started = time.perf_counter()
                wait_previews([document.pk])  # the upload's page images, not part of sealing
                previews.append(time.perf_counter() - started)
                # One of each per round, so drift in the machine's load hits all alike.
                raw.append(raw_sample())
                raw_reserved.append(raw_sample(16384))
                raw_unlock.append(raw_sample(16384, unlock))
                worker_cpu = _worker_cpu_seconds(worker.pid)
                grant_id, started, _document_id, api_seconds = request_seal(pdf, document)
                end_to_end.append(sealed_after(grant_id, started))
                cpu_per_seal.append(api_seconds[1] + _worker_cpu_seconds(worker.pid) - worker_cpu)
                api_part.append(api_seconds[0])
                with tenant_context(company):
                    grant = SigningGrant.objects.get(pk=grant_id)
                worker_part.append((grant.finished_at - grant.created_at).total_seconds())
                wait_previews([document.pk])  # the sealed version's, before the next sample
        finally:
            stop_worker(worker)
            stop_worker(previews_worker)

        # Seal latency with the queues as `make run` has them (config/queues.py): one worker
        # for the urgent queue, one for page images; idle, then while a burst of large uploads
        # keeps the page-image worker busy. Each sample: API call → signed version stored.
        def seal_latencies(documents) -> list[float]:
            latencies = []
            for document in documents:
                grant_id, started, _document_id, _api = request_seal(pdf, document)
                latencies.append(sealed_after(grant_id, started))
            return latencies

        _progress("latency, idle and under a burst")

        def pending_pages(documents) -> int:
            with tenant_context(company):
                return sum(
                    version.page_count - version.previews_ready
                    for version in DocumentVersion.objects.filter(document_id__in=[d.pk for d in documents])
                )

        urgent = start_worker(1, queues=names[URGENT])
        bulk = start_worker(1, queues=f"{names[BULK]},{names[PERIODIC]}")
        try:
            wait([request_seal(pdf)[0]])  # warm-up
            # The documents to seal are uploaded (and their page images made) beforehand.
            to_seal = [upload_only(pdf) for _ in range(2 * LATENCY_SAMPLES)]
            wait_previews([document.pk for document in to_seal])
            idle = seal_latencies(to_seal[:LATENCY_SAMPLES])
            burst = [upload_only(make_pdf(BURST_PAGES, image_bytes=BIG_PAGE_IMAGE_BYTES)) for _ in range(BURST_UPLOADS)]
            pending_at_start = pending_pages(burst)
            loaded = seal_latencies(to_seal[LATENCY_SAMPLES:])
            pending_at_end = pending_pages(burst)
        finally:
            stop_worker(urgent)
            stop_worker(bulk)
            bulk_queue_purge()  # the rest of the burst's page images

        # Throughput of sealing alone. The worker is started and warmed up (each pool process
        # has sealed before), then stops taking jobs while the API calls queue them (each call
        # runs the seal password's scrypt: queued live, the producer would set the pace), then
        # takes sealing jobs again, and only those (the sealed versions' page images wait on
        # their queue); timed from the first to the last completion. Repeated,
        # for the spread. Where the CPU went meanwhile (the workers, the TSA server, this
        # process, everything else on the machine) says whether two processes had two CPUs.
        rounds = []
        for number in range(THROUGHPUT_ROUNDS):
            _progress(f"throughput round {number + 1}")
            measured = {}
            for concurrency in (1, 2):
                documents = [upload_only(pdf) for _ in range(THROUGHPUT_DOCUMENTS + 2 * concurrency)]
                name = f"throughput-{os.getpid()}-{number}-{concurrency}"
                worker = start_worker(concurrency, name=name)
                try:
                    wait_previews([document.pk for document in documents])
                    warm_up = [request_seal(pdf, document)[0] for document in documents[: 2 * concurrency]]
                    wait(warm_up)
                    wait_previews([document.pk for document in documents[: 2 * concurrency]])
                    for queue in names.values():
                        consumer_set(name, queue, serve=False)
                    # Jobs the warm-up left (its seals' evidence packages and page images, on the
                    # bulk queue) finish before the timing: else the first seals wait behind them.
                    deadline = time.monotonic() + WAIT_SECONDS
                    while tasks_taken(name):
                        assert time.monotonic() < deadline, "the worker did not finish its warm-up jobs"
                        time.sleep(0.2)
                    grant_ids = [request_seal(pdf, document)[0] for document in documents[2 * concurrency :]]
                    jobs_before = tasks_done(name)
                    running_before = tasks_taken(name)
                    before = _cpu_snapshot(worker.pid, platform_server.pid)
                    consumer_set(name, QUEUE, serve=True)
                    wait(grant_ids)
                    used = _cpu_used(before, _cpu_snapshot(worker.pid, platform_server.pid))
                    jobs = tasks_done(name)
                    used["jobs"] = {task: jobs[task] - jobs_before.get(task, 0) for task in jobs}
                    used["jobs"] = {task: count for task, count in used["jobs"].items() if count}
                    for task in running_before:  # begun before the timing, finished (or not) in it
                        used["jobs"][f"{task} (running when the timing began)"] = 1
                finally:
                    stop_worker(worker)
                    bulk_queue_purge()
                with tenant_context(company):
                    finished = sorted(
                        SigningGrant.objects.filter(pk__in=grant_ids).values_list("finished_at", flat=True)
                    )
                used["throughput"] = (len(finished) - 1) / (finished[-1] - finished[0]).total_seconds()
                used["documents"] = len(grant_ids)
                measured[concurrency] = used
            rounds.append(measured)

        big_line = "1,000-page PDF: not run (SEALHUB_BENCH_BIG_FILE=1 runs it; a few minutes)"
        if os.environ.get("SEALHUB_BENCH_BIG_FILE") == "1":
            big = make_pdf(1000, image_bytes=BIG_PAGE_IMAGE_BYTES)
            worker = start_worker(1, pool="solo")
            try:
                process = psutil.Process(worker.pid)
                baseline = process.memory_info().rss
                grant_id, started, big_document_id, _api = request_seal(big)
                peak = baseline
                with tenant_context(company):
                    while SigningGrant.objects.filter(pk=grant_id, status__in=["pending", "running"]).exists():
                        peak = max(peak, process.memory_info().rss)
                        time.sleep(0.01)
                    big_seconds = time.time() - started
                    while DocumentVersion.objects.filter(
                        document_id=big_document_id, previews_ready__lt=F("page_count")
                    ).exists():
                        peak = max(peak, process.memory_info().rss)
                        time.sleep(0.05)
                    big_previews_seconds = time.time() - started
            finally:
                stop_worker(worker)
            big_line = (
                f"1,000-page PDF of {len(big) / 2**20:.0f} MB sealed right after its upload: in {big_seconds:.2f} s; "
                f"all page images of the upload and the sealed version in {big_previews_seconds:.1f} s, "
                f"worker RSS {baseline / 2**20:.0f} MB → peak {peak / 2**20:.0f} MB"
            )

        def wall(samples) -> float:
            return statistics.median(t for t, _ in samples)

        def cpu(samples) -> float:
            return statistics.median(c for _, c in samples)

        median, anchor = statistics.median(end_to_end), wall(raw_unlock)
        print(
            f"1-page PDF, EC P-256 seal, PAdES B-T with the platform TSA over HTTP (median of {SAMPLES}, "
            "interleaved: one of each per round)"
        )
        print(f"  raw pyHanko stamp + sign:              {wall(raw) * 1000:7.1f} ms   (a trial signature sizes it)")
        print(f"  raw pyHanko with bytes_reserved:       {wall(raw_reserved) * 1000:7.1f} ms")
        print(
            f"  raw pyHanko, bytes_reserved + the same scrypt unlock: {anchor * 1000:5.1f} ms, "
            f"{cpu(raw_unlock) * 1000:5.1f} ms CPU   (the fair anchor)"
        )
        print(
            f"  Sealhub API call → version stored:     {median * 1000:7.1f} ms   ×{median / anchor:.2f} the anchor "
            f"(target ≤ 1.3×); CPU of the API call + the worker {statistics.median(cpu_per_seal) * 1000:5.1f} ms, "
            f"×{statistics.median(cpu_per_seal) / cpu(raw_unlock):.2f} the anchor's (PostgreSQL's and the TSA "
            "server's not counted on either side)"
        )
        api, queued = statistics.median(api_part), statistics.median(worker_part)
        print(
            f"    of which the API call (willingness check, grant, queueing): {api * 1000:7.1f} ms; "
            f"grant → version stored: {queued * 1000:7.1f} ms (×{queued / wall(raw_reserved):.2f} raw with "
            "bytes_reserved)"
        )
        print(f"  page images of the upload (1 page, 2 widths): {statistics.median(previews) * 1000:7.1f} ms")
        print(
            f"seal latency, API call → version stored ({LATENCY_SAMPLES} seals each; one urgent and one "
            "page-image worker as `make run` starts them)"
        )
        print(f"  idle:                            p50 {_ms(idle, 50):7.1f} ms   p95 {_ms(idle, 95):7.1f} ms")
        print(
            f"  during {BURST_UPLOADS} uploads of {BURST_PAGES} scanned pages: p50 {_ms(loaded, 50):7.1f} ms   "
            f"p95 {_ms(loaded, 95):7.1f} ms   p95 ×{_ms(loaded, 95) / _ms(idle, 95):.2f} idle (target ≤ 1.5×); "
            f"pages of the burst waiting for their images: {pending_at_start} when the samples began, "
            f"{pending_at_end} at the end"
        )
        print(
            f"worker throughput ({THROUGHPUT_DOCUMENTS} queued documents, {THROUGHPUT_ROUNDS} rounds, workers "
            "warmed up first); CPUs used meanwhile (1.00 = one core all the time):"
        )
        for number, measured in enumerate(rounds, 1):
            one, two = measured[1], measured[2]
            print(
                f"  round {number}: 1 process {one['throughput']:5.1f} documents/s, 2 processes "
                f"{two['throughput']:5.1f} documents/s   ×{two['throughput'] / one['throughput']:.2f}"
            )
            for label, used in (("1 process ", one), ("2 processes", two)):
                print(
                    f"    {label}: workers {used['workers']:.2f} ({used['split']}), TSA server {used['server']:.2f}, "
                    "this bench "
                    f"{used['bench']:.2f}, the rest of the machine (PostgreSQL, Redis, other users) "
                    f"{used['other']:.2f}; machine busy {used['busy']:.2f} of {os.cpu_count()}; CPU per document "
                    f"(workers + TSA server) {used['cpu_seconds'] / used['documents'] * 1000:.0f} ms; jobs the "
                    f"workers ran meanwhile: {', '.join(f'{task} {n}' for task, n in sorted(used['jobs'].items()))}"
                )
        ratios = sorted(measured[2]["throughput"] / measured[1]["throughput"] for measured in rounds)
        busy = statistics.median(measured[2]["busy"] for measured in rounds)
        print(
            f"  2 / 1 processes: median ×{statistics.median(ratios):.2f}, spread ×{ratios[0]:.2f}–×{ratios[-1]:.2f}"
            f" (target ≥ 1.6× on 2 cores); with 2 processes the machine was busy {busy:.2f} of {os.cpu_count()}"
            " CPUs: where it is near the core count, the cores were full and no more processes could help"
        )
        alone = statistics.median(measured[1]["workers"] for measured in rounds)
        ceiling = min(2, os.cpu_count()) / alone
        print(
            f"  one process kept {alone:.2f} of a CPU busy (the rest of the time it waits for the TSA and "
            f"PostgreSQL), so two processes on {os.cpu_count()} CPUs can reach up to ×{ceiling:.2f}"
            " while the CPU per document stays the same: ratios above ×2 come from that waiting overlapping work"
        )
        print(big_line)


if __name__ == "__main__":
    main()
