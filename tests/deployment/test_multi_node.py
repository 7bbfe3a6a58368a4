"""Sealhub on two machines: two web servers and two workers, each with its own working
directory and local media root, sharing only PostgreSQL, Redis, the broker (Redis, then
RabbitMQ) and an S3 bucket. A file uploaded through node 1 is sealed by node 2's worker,
downloaded and verified through node 2; page images are rendered by node 1's worker; an
envelope goes from one company to another, with its certificate of completion and the
copies in the other company's documents. No step may read a file another machine wrote
to its own disk: at the end, no node has a single file under its media root."""

from __future__ import annotations

import hashlib
import io
import os

import pytest
import requests
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django_tenants.utils import tenant_context
from kombu import Connection
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from accounts.models import User
from config.queues import queue_names
from documents.models import Document, DocumentVersion
from documents.services.previews import PREVIEW_WIDTHS
from tenants.models import Company
from tenants.services import api_key_create
from tests.conftest import totp_now
from tests.deployment.cluster import Node, S3Server, cluster_start, process_stop, s3_server_start, wait_for
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.documents.test_sealing import _validation_context
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, signatory

pytestmark = pytest.mark.integration

# The machine's RabbitMQ (CI has one); another one through this variable.
RABBITMQ_URL = os.environ.get("RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture(scope="module")
def s3(tmp_path_factory):
    server = s3_server_start(tmp_path_factory.mktemp("s3"))
    yield server
    process_stop(server.process)


def _rabbitmq_url() -> str:
    with Connection(RABBITMQ_URL, connect_timeout=3) as probe:
        try:
            probe.ensure_connection(max_retries=1, timeout=3)
        except Exception as error:  # any failure to connect means: not here
            pytest.skip(f"RabbitMQ is not reachable at {probe.as_uri()} ({type(error).__name__}); set RABBITMQ_URL")
    return RABBITMQ_URL


def _rabbitmq_queues_delete(prefix: str) -> None:
    """Durable queues outlive the test on a shared broker: remove this run's."""
    with Connection(RABBITMQ_URL, connect_timeout=3) as broker:
        channel = broker.channel()
        for name in queue_names(prefix).values():
            channel.queue_delete(name)


@pytest.fixture(params=["redis", "rabbitmq"])
def cluster(request, s3: S3Server, tmp_path, django_db_setup, django_db_blocker):
    """The two nodes on this broker, and this process storing into the same bucket (the
    seal applications' attachments made below)."""
    broker = request.param
    broker_url = _rabbitmq_url() if broker == "rabbitmq" else None
    prefix = f"{settings.CELERY_TASK_DEFAULT_QUEUE}-nodes-{broker}"
    bucket = f"sealhub-nodes-{broker}"
    s3.bucket_create(bucket)
    with override_settings(**s3.settings(bucket)), django_db_blocker.unblock():
        running = cluster_start(folder=tmp_path, broker_url=broker_url, queue_prefix=prefix, s3=s3, bucket=bucket)
        try:
            yield running
        except BaseException:
            print(running.logs())
            raise
        finally:
            running.stop()
            if broker_url:
                _rabbitmq_queues_delete(prefix)


@pytest.fixture
def cast(cluster, django_db_blocker):
    """Alpha seals a document of its own; Bravo sends an envelope to Delta."""
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        made = []
        try:
            a = signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
            b = signatory("bravonode", "Bravo Node Co", 11)
            made.append(b.company)
            d = signatory("deltanode", "Delta Node Co", 12)
            made.append(d.company)
            cluster.ready()
            yield a, b, d
        finally:
            connection.set_schema_to_public()
            committed_cleanup(alpha, made)


class Api:
    """A company's API client against one node's web server."""

    def __init__(self, node: Node, signer, raw_key: str):
        self.node = node
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Host": signer.company.domains.get(is_primary=True).domain,
                "Authorization": f"Api-Key {raw_key}",
                "Accept-Language": "en",
            }
        )

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(f"{self.node.web_url}{path}", timeout=60, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(f"{self.node.web_url}{path}", timeout=60, **kwargs)


def _key_for(signer) -> str:
    with tenant_context(signer.company):
        _key, raw = api_key_create(
            company=signer.company,
            name="ERP",
            acting_user=signer.user,
            scopes=["documents", "seals", "envelopes"],
        )
    return raw


def _previews_in_bucket(s3: S3Server, bucket: str, schema: str, version_id, pages: int) -> set[str]:
    folder = f"{schema}/previews/{version_id}/"
    wanted = {f"{folder}p{page}-w{width}.png" for page in range(pages) for width in PREVIEW_WIDTHS}
    return wanted if wanted <= s3.keys(bucket, folder) else set()


def _version(company: Company, document_id: str, number: int) -> DocumentVersion:
    with tenant_context(company):
        return DocumentVersion.objects.get(document_id=document_id, number=number)


def _job_done(api: Api, url: str) -> dict:
    state = wait_for(lambda: (s := api.get(url).json())["status"] not in ("pending", "running") and s, url)
    assert state["status"] == "done", state
    return state


def _inbox_seal(api: Api, signer, step: int) -> None:
    entry = wait_for(
        lambda: [e for e in api.get("/api/v1/inbox/").json()["results"] if e["status"] == "active"], "an inbox entry"
    )[0]
    job = api.post(
        f"/api/v1/inbox/{entry['id']}/seal/",
        json={
            "seal_id": str(signer.seal.pk),
            "seal_password": SEAL_PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(signer.device, step),
        },
    )
    assert job.status_code == 202, job.text
    _job_done(api, f"/api/v1/inbox/{entry['id']}/jobs/{job.json()['id']}/")


def test_upload_seal_verify_and_an_envelope_across_two_nodes(cluster, cast, s3):
    node1, node2 = cluster.nodes
    bucket = cluster.bucket
    a, b, d = cast
    alpha_key, bravo_key, delta_key = _key_for(a), _key_for(b), _key_for(d)
    alpha1, alpha2 = Api(node1, a, alpha_key), Api(node2, a, alpha_key)
    schema = a.company.schema_name

    # Upload through node 1: the file is in the bucket, under the company's prefix.
    original = make_pdf(3)
    created = alpha1.post("/api/v1/documents/", files={"file": ("contract.pdf", original, "application/pdf")})
    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    first = _version(a.company, document_id, 1)
    assert first.file.name.startswith(f"{schema}/documents/{document_id}/")
    assert s3.read(bucket, first.file.name) == original

    # Page images: node 1's worker renders them into the bucket; node 2 serves them.
    wait_for(lambda: _previews_in_bucket(s3, bucket, schema, first.pk, 3), "the page images of version 1")
    image = alpha2.get(f"/api/v1/documents/{document_id}/versions/1/pages/2/preview/", params={"width": 200})
    assert image.status_code == 200 and image.headers["Content-Type"] == "image/png"
    assert image.content == s3.read(bucket, f"{schema}/previews/{first.pk}/p2-w200.png")

    # Placed through node 2, asked for through node 1, sealed by node 2's worker (the only
    # one serving the urgent queue), followed through node 2.
    placement = alpha2.post(
        f"/api/v1/documents/{document_id}/placements/",
        json={"seal_id": str(a.seal.pk), "page": 2, "x": 400, "y": 90},
    )
    assert placement.status_code == 201, placement.text
    job = alpha1.post(
        f"/api/v1/documents/{document_id}/seal/",
        json={
            "seal_id": str(a.seal.pk),
            "seal_password": SEAL_PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(a.device, 1),
        },
    )
    assert job.status_code == 202, job.text
    state = _job_done(alpha2, f"/api/v1/documents/{document_id}/jobs/{job.json()['id']}/")
    assert state["version"] == 2

    # Downloaded and verified through node 2.
    signed = alpha2.get(f"/api/v1/documents/{document_id}/versions/2/download/").content
    assert signed.startswith(original)
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0], _validation_context())
    assert status.intact and status.valid and covers_whole_file(status)
    verdict = requests.post(
        f"{node2.web_url}/api/v1/verify/",
        headers={"Host": settings.BASE_DOMAIN},
        files={"file": ("sealed.pdf", signed, "application/pdf")},
        timeout=60,
    )
    assert verdict.status_code == 200 and verdict.json()["verdict"] == "valid", verdict.text
    second = _version(a.company, document_id, 2)
    assert s3.read(bucket, second.file.name) == signed

    # Version 2's page images: node 1's worker copies the untouched pages' images from
    # version 1 (in the bucket) and renders the sealed page; node 1 serves them.
    wait_for(lambda: _previews_in_bucket(s3, bucket, schema, second.pk, 3), "the page images of version 2")
    sealed_page = alpha1.get(f"/api/v1/documents/{document_id}/versions/2/pages/2/preview/", params={"width": 200})
    assert sealed_page.content == s3.read(bucket, f"{schema}/previews/{second.pk}/p2-w200.png")
    assert sealed_page.content != image.content  # the seal is on it
    untouched = f"{schema}/previews/{second.pk}/p0-w200.png"
    assert s3.read(bucket, untouched) == s3.read(bucket, f"{schema}/previews/{first.pk}/p0-w200.png")

    # An envelope from Bravo (node 2) to Delta: Bravo seals through node 1, Delta through
    # node 2; node 2's worker completes it.
    bravo1, bravo2 = Api(node1, b, bravo_key), Api(node2, b, bravo_key)
    delta1, delta2 = Api(node1, d, delta_key), Api(node2, d, delta_key)
    contract = make_pdf(2, text="Supply contract")
    upload = bravo2.post("/api/v1/documents/", files={"file": ("supply.pdf", contract, "application/pdf")})
    assert upload.status_code == 201, upload.text
    fields = lambda x: [{"page": 1, "x": x, "y": 80, "width": 100}]  # noqa: E731
    envelope = bravo2.post(
        "/api/v1/envelopes/",
        json={
            "document_id": upload.json()["id"],
            "name": "Supply contract",
            "send": True,
            "parties": [
                {"kind": "company", "uscc": b.company.uscc, "email": b.user.email, "fields": fields(30)},
                {"kind": "company", "uscc": d.company.uscc, "email": d.user.email, "fields": fields(300)},
            ],
        },
    )
    assert envelope.status_code == 201, envelope.text
    envelope_url = f"/api/v1/envelopes/{envelope.json()['id']}/"
    _inbox_seal(bravo1, b, step=1)
    _inbox_seal(delta2, d, step=1)
    wait_for(lambda: bravo1.get(envelope_url).json()["status"] == "completed", "the completed envelope")

    final = bravo1.get(f"{envelope_url}final/").content
    certificate = bravo1.get(f"{envelope_url}certificate/")
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF-")
    reader = PdfFileReader(io.BytesIO(final))
    assert len(reader.embedded_signatures) == 3  # Bravo, Delta, the document timestamp
    for signature in reader.embedded_signatures[:2]:
        checked = validate_pdf_signature(signature, _validation_context())
        assert checked.intact and checked.valid and checked.docmdp_ok, checked.pretty_print_details()
        assert checked.modification_level.name in ("NONE", "FORM_FILLING", "LTA_UPDATES")
    verdict = requests.post(
        f"{node1.web_url}/api/v1/verify/",
        headers={"Host": settings.BASE_DOMAIN},
        files={"file": ("final.pdf", final, "application/pdf")},
        timeout=60,
    )
    assert verdict.json()["verdict"] == "valid", verdict.text
    events = bravo2.get(f"{envelope_url}events/").json()
    assert events["chain_intact"] is True
    assert [e["action"] for e in events["events"]].count("signed") == 2

    # Delta's copies (the signed PDF and the certificate) are in its own documents and
    # download through either node, byte for byte what Bravo has.
    listed = delta1.get("/api/v1/documents/").json()["results"]
    copies = {item["name"]: item for item in listed}
    assert set(copies) == {"Supply contract.pdf", "Supply contract-certificate.pdf"}
    for name, expected in (("Supply contract.pdf", final), ("Supply contract-certificate.pdf", certificate.content)):
        item = copies[name]
        number = item["current_version"]["number"]
        copy = delta2.get(f"/api/v1/documents/{item['id']}/versions/{number}/download/").content
        assert (
            hashlib.sha256(copy).hexdigest()
            == hashlib.sha256(expected).hexdigest()
            == item["current_version"]["sha256"]
        )
    with tenant_context(d.company):
        for document in Document.objects.select_related("current_version"):
            assert document.current_version.file.name.startswith(f"{d.company.schema_name}/documents/")
            assert s3.read(bucket, document.current_version.file.name)

    if cluster.broker_url:  # the jobs went through RabbitMQ: the workers' queues are there
        with Connection(cluster.broker_url, connect_timeout=3) as broker:
            channel = broker.channel()
            for name in queue_names(cluster.queue_prefix).values():
                channel.queue_declare(name, passive=True)

    # Nothing was kept on any machine's own disk.
    for node in cluster.nodes:
        assert node.local_files() == [], f"{node.name} wrote files to its own disk"
