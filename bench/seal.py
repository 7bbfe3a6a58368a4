"""Sealing speed: raw pyHanko vs Sealhub end to end, worker scaling, and memory.

For the same PDF, seal key and TSA it prints
- raw pyHanko: stamp appearance + PAdES B-T signature (in-process TSA), nothing else;
- Sealhub end to end: the API call (password + one-time code check, grant) until the
  signed version is stored by a real Celery worker; and the ratio of the two;
- throughput with 1 and 2 worker processes (documents per second);
- peak worker RSS while sealing a 1,000-page file.
Runs in a throw-away database with its own workers and queue.

The worker also renders page images (after upload and after sealing) from the same queue.
Sealing times exclude the upload's page images (the bench waits for them before asking for
the seal) and the throughput run has only sealing jobs ahead of it; the page images are
timed on their own line. The 1,000-page file is sealed right after its upload, as a person
would: that time includes waiting for the page-image job running when the seal is asked for.
"""

from __future__ import annotations

import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _throwaway_db import throwaway_database

from config.queues import all_queues

BASE_DIR = Path(__file__).resolve().parent.parent
SAMPLES = 8
THROUGHPUT_DOCUMENTS = 48  # enough that the first, cold job of each worker process does not dominate
QUEUE = f"sealhub-bench-{os.getpid()}"
# A scan per page: a 1,000-page file of ≈97 MB, just under the 100 MB upload limit.
BIG_PAGE_IMAGE_BYTES = 78_000


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


def start_worker(concurrency: int, pool: str = "prefork") -> subprocess.Popen:
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
        all_queues(QUEUE),
        "--pool",
        pool,
        "-c",
        str(concurrency),
    ]
    process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(4)  # let it connect and import everything before timing anything
    return process


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=30)


def raw_pyhanko_seconds(
    pdf: bytes, private_key, certificate_pem: str, chain_pem: list[str], appearance: bytes, bytes_reserved=None
) -> float:
    """The same stamp + B-T signature written directly against pyHanko."""
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
    from pyhanko.stamp import StaticStampStyle
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    from seals import pki

    def cert(pem: str):
        return asn1_x509.Certificate.load(
            x509.load_pem_x509_certificate(pem.encode()).public_bytes(serialization.Encoding.DER)
        )

    def key(k):
        return asn1_keys.PrivateKeyInfo.load(
            k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        )

    tsa_key, tsa_cert = pki.authority(pki.Role.TSA)
    tsa_pem = tsa_cert.public_bytes(serialization.Encoding.PEM).decode()
    signer = signers.SimpleSigner(
        signing_cert=cert(certificate_pem),
        signing_key=key(private_key),
        cert_registry=SimpleCertificateStore.from_certs([cert(p) for p in chain_pem]),
    )
    timestamper = DummyTimeStamper(tsa_cert=cert(tsa_pem), tsa_key=key(tsa_key))
    with tempfile.NamedTemporaryFile(suffix=".pdf") as appearance_file:
        appearance_file.write(appearance)
        appearance_file.flush()
        timings = []
        for _ in range(SAMPLES):
            started = time.perf_counter()
            style = StaticStampStyle.from_pdf_file(appearance_file.name, border_width=0)
            meta = signers.PdfSignatureMetadata(
                field_name="Seal1", subfilter=fields.SigSeedSubFilter.PADES, certify=True
            )
            spec = fields.SigFieldSpec("Seal1", on_page=0, box=(380, 80, 499, 199))
            pdf_signer = signers.PdfSigner(
                meta, signer, timestamper=timestamper, new_field_spec=spec, stamp_style=style
            )
            pdf_signer.sign_pdf(
                IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=bytes_reserved, output=io.BytesIO()
            )
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    os.environ["SEALHUB_TASK_QUEUE"] = QUEUE
    with throwaway_database("sealhub_bench_sealing"):
        import psutil
        from django.core.files.base import ContentFile
        from django.db.models import F
        from django.test import Client
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
        Company.objects.filter(pk=company.pk).update(verification=Company.Verification.APPROVED)
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
        raw = raw_pyhanko_seconds(pdf, private_key, seal.certificate_pem, chain, appearance)
        raw_reserved = raw_pyhanko_seconds(
            pdf, private_key, seal.certificate_pem, chain, appearance, bytes_reserved=16384
        )

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
            started = time.perf_counter()
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
            return response.json()["id"], started, document.pk

        def upload_only(data: bytes):
            with tenant_context(company):
                return document_upload(name="bench.pdf", data=data, acting_user=owner)

        def wait_previews(document_ids) -> None:
            with tenant_context(company):
                while DocumentVersion.objects.filter(
                    document_id__in=document_ids, previews_ready__lt=F("page_count")
                ).exists():
                    time.sleep(0.005)

        def wait(grant_ids: list[str]) -> None:
            with tenant_context(company):
                while SigningGrant.objects.filter(pk__in=grant_ids, status__in=["pending", "running"]).exists():
                    time.sleep(0.005)
                failed = SigningGrant.objects.filter(pk__in=grant_ids).exclude(status="done").count()
                assert failed == 0, f"{failed} jobs failed"

        worker = start_worker(1)
        try:
            grant_id, _started, document_id = request_seal(pdf)  # warm-up: the first task connects
            wait([grant_id])
            wait_previews([document_id])
            end_to_end, worker_part, previews = [], [], []
            for _ in range(SAMPLES):
                document = upload_only(pdf)
                started = time.perf_counter()
                wait_previews([document.pk])  # the upload's page images, not part of sealing
                previews.append(time.perf_counter() - started)
                grant_id, started, _document_id = request_seal(pdf, document)
                wait([grant_id])
                end_to_end.append(time.perf_counter() - started)
                with tenant_context(company):
                    grant = SigningGrant.objects.get(pk=grant_id)
                worker_part.append((grant.finished_at - grant.created_at).total_seconds())
                wait_previews([document.pk])  # the sealed version's, before the next sample
        finally:
            stop_worker(worker)

        # Throughput of the workers alone: queue the jobs while no worker runs, then time
        # from the first to the last completion (worker start-up excluded). The uploads'
        # page images are made first, so only sealing jobs are timed.
        throughput = {}
        for concurrency in (1, 2):
            documents = [upload_only(pdf) for _ in range(THROUGHPUT_DOCUMENTS)]
            worker = start_worker(concurrency)
            try:
                wait_previews([document.pk for document in documents])
            finally:
                stop_worker(worker)
            grant_ids = [request_seal(pdf, document)[0] for document in documents]
            worker = start_worker(concurrency)
            try:
                wait(grant_ids)
            finally:
                stop_worker(worker)
            with tenant_context(company):
                finished = sorted(SigningGrant.objects.filter(pk__in=grant_ids).values_list("finished_at", flat=True))
            throughput[concurrency] = (len(finished) - 1) / (finished[-1] - finished[0]).total_seconds()

        big = make_pdf(1000, image_bytes=BIG_PAGE_IMAGE_BYTES)
        worker = start_worker(1, pool="solo")
        try:
            process = psutil.Process(worker.pid)
            baseline = process.memory_info().rss
            grant_id, started, big_document_id = request_seal(big)
            peak = baseline
            with tenant_context(company):
                while SigningGrant.objects.filter(pk=grant_id, status__in=["pending", "running"]).exists():
                    peak = max(peak, process.memory_info().rss)
                    time.sleep(0.01)
                big_seconds = time.perf_counter() - started
                while DocumentVersion.objects.filter(
                    document_id=big_document_id, previews_ready__lt=F("page_count")
                ).exists():
                    peak = max(peak, process.memory_info().rss)
                    time.sleep(0.05)
                big_previews_seconds = time.perf_counter() - started
        finally:
            stop_worker(worker)

        median = statistics.median(end_to_end)
        print(f"1-page PDF, EC P-256 seal, PAdES B-T with the platform TSA (median of {SAMPLES})")
        print(f"  raw pyHanko stamp + sign:          {raw * 1000:7.1f} ms")
        print(f"  raw pyHanko with bytes_reserved:   {raw_reserved * 1000:7.1f} ms")
        print(f"  Sealhub API call → version stored: {median * 1000:7.1f} ms   ratio ×{median / raw:.2f}")
        queued = statistics.median(worker_part)
        print(f"    of which grant → version stored:  {queued * 1000:7.1f} ms   ratio ×{queued / raw:.2f}")
        print("    (the rest is the willingness check: seal-password scrypt + one-time code, by design)")
        print(f"  page images of the upload (1 page, 2 widths): {statistics.median(previews) * 1000:7.1f} ms")
        print(f"worker throughput ({THROUGHPUT_DOCUMENTS} queued documents):")
        print(f"  1 worker process:  {throughput[1]:.1f} documents/s")
        print(f"  2 worker processes: {throughput[2]:.1f} documents/s   ×{throughput[2] / throughput[1]:.2f}")
        print(
            f"1,000-page PDF of {len(big) / 2**20:.0f} MB sealed right after its upload: in {big_seconds:.2f} s; "
            f"all page images of the upload and the sealed version in {big_previews_seconds:.1f} s, "
            f"worker RSS {baseline / 2**20:.0f} MB → peak {peak / 2**20:.0f} MB"
        )


if __name__ == "__main__":
    main()
