"""Timestamps over RFC 3161: the platform TSA at /pki/tsa on the platform host (a real HTTP
exchange with the live server), the client that asks TSA_URLS in order and checks every
answer, and a sealing job that waits, never falling back to local time."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import http.server
import ssl
import threading
from contextlib import aclosing

import pytest
import requests
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.utils import translation
from django_tenants.utils import tenant_context
from pyhanko_certvalidator import CertificateValidator

from documents.models import DocumentVersion, SigningGrant
from documents.pdf.timestamping import TimestampUnavailable, TsaEndpoint, checked_timestamper, validation_context
from documents.services.sealing import document_seal_execute
from documents.services.signers import platform_timestamping
from documents.tasks import document_seal
from seals import ca, pki, responders
from tests.conftest import client_on
from tests.documents.test_long_term import issue_seal, seal_grant

TSQ = {"Content-Type": "application/timestamp-query", "Connection": "close"}


def request_der(digest: bytes, *, nonce: int = 12345, algorithm: str = "sha256") -> bytes:
    return tsp.TimeStampReq(
        {
            "version": "v1",
            "message_imprint": {"hash_algorithm": {"algorithm": algorithm}, "hashed_message": digest},
            "nonce": nonce,
            "cert_req": True,
        }
    ).dump()


def timestamp(digest: bytes, timestamping=None):
    return asyncio.run(checked_timestamper(timestamping or platform_timestamping()).async_timestamp(digest, "sha256"))


@pytest.mark.django_db
def test_platform_tsa_answers_rfc3161_over_http(world):
    digest = hashlib.sha256(b"contract").digest()
    response = requests.post(pki.tsa_url(), data=request_der(digest), headers=TSQ, timeout=10)
    assert response.status_code == 200 and response.headers["Content-Type"] == "application/timestamp-reply"
    reply = tsp.TimeStampResp.load(response.content)
    assert reply["status"]["status"].native == "granted"
    info = reply["time_stamp_token"]["content"]["encap_content_info"]["content"].parsed
    assert info["nonce"].native == 12345 and info["message_imprint"]["hashed_message"].native == digest
    assert info["policy"].native == responders.TSA_POLICY_OID
    assert abs(info["gen_time"].native - dt.datetime.now(dt.UTC)) < dt.timedelta(seconds=30)
    certificates = reply["time_stamp_token"]["content"]["certificates"]
    names = {c.chosen.subject.native["common_name"] for c in certificates}
    assert names == {"Sealhub Timestamp Authority", "Sealhub Root CA"}
    # The client the sealing jobs use checks status, nonce, imprint, signature and trust.
    token = timestamp(digest)
    assert token["content"]["encap_content_info"]["content"].parsed["message_imprint"]["hashed_message"].native == (
        digest
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "headers", "status", "fail_info"),
    [
        (b"\x30\x03\x02\x01", TSQ, 200, {"bad_data_format"}),  # truncated DER
        (b"not der at all", TSQ, 200, {"bad_data_format"}),
        (request_der(b"\x00" * 20, algorithm="sha1"), TSQ, 200, {"bad_alg"}),
        (request_der(b"\x00" * 31), TSQ, 200, {"bad_data_format"}),  # imprint length
        (request_der(b"\x00" * 32), {"Content-Type": "application/json"}, 415, None),
        (b"\x30" + b"\x00" * 5000, TSQ, 413, None),
    ],
)
def test_platform_tsa_refuses_bad_requests_in_its_protocol(world, body, headers, status, fail_info):
    response = requests.post(pki.tsa_url(), data=body, headers=headers, timeout=10)
    assert response.status_code == status
    if fail_info is not None:
        reply = responders.TimeStampResp.load(response.content)
        assert reply["status"]["status"].native == "rejection"
        assert reply["status"]["fail_info"].native == fail_info
        assert reply["time_stamp_token"].native is None


@pytest.mark.django_db
def test_platform_tsa_only_takes_posts(world):
    assert requests.get(pki.tsa_url(), timeout=10).status_code == 405


class FakeTsa:
    """A TSA on a loopback port that answers wrongly in one way (`mode`)."""

    def __init__(self, mode: str):
        root_key, root_cert = ca.create_root_ca("Stranger Root")
        key, cert = ca.create_timestamp_authority(root_key, root_cert, "Stranger TSA")
        platform_key, platform_cert = pki.authority(pki.Role.TSA)
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers["Content-Length"]))
                request = tsp.TimeStampReq.load(body)
                signer = (platform_key, platform_cert)
                if mode == "bad_nonce":
                    request["nonce"] = request["nonce"].native + 1
                elif mode == "bad_imprint":
                    request["message_imprint"]["hashed_message"] = hashlib.sha256(b"other").digest()
                elif mode == "untrusted":
                    signer = (key, cert)
                now = dt.datetime.now(dt.UTC)
                reply = responders.timestamp_reply(
                    request.dump(force=True), tsa_key=signer[0], tsa_cert=signer[1], chain=[], now=now
                )
                if mode == "refused":
                    reply = responders._rejection("system_failure", "out of order")
                elif mode == "garbage":
                    reply = b"\x30\x82garbage"
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tsa"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        fake.mode = mode

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/tsa"


def _with_endpoints(*urls: str):
    base = platform_timestamping()
    return type(base)(
        endpoints=tuple(TsaEndpoint(url, timeout=3) for url in urls), trust_roots_pem=base.trust_roots_pem
    )


@pytest.mark.django_db
@pytest.mark.parametrize("mode", ["refused", "bad_nonce", "bad_imprint", "untrusted", "garbage"])
def test_wrong_answers_are_refused_with_their_reason(world, mode):
    tsa = FakeTsa(mode)
    try:
        with pytest.raises(TimestampUnavailable) as raised:
            timestamp(hashlib.sha256(b"x").digest(), _with_endpoints(tsa.url))
        assert raised.value.reason == {"garbage": "malformed"}.get(mode, mode)
        # Listed first, a wrong TSA is skipped for the next one, which is asked in turn.
        token = timestamp(hashlib.sha256(b"x").digest(), _with_endpoints(closed_port_url(), tsa.url, pki.tsa_url()))
        names = {c.chosen.subject.native["common_name"] for c in token["content"]["certificates"]}
        assert "Sealhub Timestamp Authority" in names
    finally:
        tsa.close()


@pytest.mark.django_db
def test_credentials_travel_as_basic_auth_not_in_the_url():
    endpoint = TsaEndpoint.from_url("https://user%40x:p%3Ass@tsa.example:8443/rfc3161?x=1", timeout=4)
    assert endpoint == TsaEndpoint("https://tsa.example:8443/rfc3161?x=1", "user@x", "p:ss", 4)


@pytest.mark.django_db
def test_sealing_waits_for_a_timestamp_and_never_uses_local_time(world, approved_alpha, settings, monkeypatch):
    seal = issue_seal(approved_alpha, world.alice)
    grant = seal_grant(approved_alpha, world.alice, seal)
    requeued = []
    monkeypatch.setattr(document_seal, "apply_async", lambda args, countdown: requeued.append((args, countdown)))
    settings.TSA_URLS = [closed_port_url()]
    with tenant_context(approved_alpha):
        result = document_seal.apply(args=(str(grant.pk),)).get()
        assert result["waiting"] == "unreachable" and result["version"] is None
        assert requeued == [((str(grant.pk), 1), 15)]
        grant.refresh_from_db()
        assert grant.status == SigningGrant.Status.PENDING and grant.wrapped_data_key is not None
    # What the document page polls while the job waits.
    page = client_on(approved_alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    job = page.get(f"/documents/{grant.document_id}/grants/{grant.pk}/").json()
    assert job["status"] == "pending" and job["error"].startswith("Waiting for a timestamp")
    with tenant_context(approved_alpha):
        assert DocumentVersion.objects.filter(document=grant.document).count() == 1  # nothing stored
        # The TSA is back (listed after the one still down): the next attempt seals.
        settings.TSA_URLS = [closed_port_url(), pki.tsa_url()]
        version = document_seal_execute(grant_id=grant.pk)
        grant.refresh_from_db()
        assert version.number == 2 and grant.status == SigningGrant.Status.DONE and grant.error == ""


@pytest.mark.django_db
def test_sealing_gives_up_with_the_reason_after_waiting_long_enough(world, approved_alpha, settings, monkeypatch):
    from documents import tasks

    seal = issue_seal(approved_alpha, world.alice)
    grant = seal_grant(approved_alpha, world.alice, seal)
    tsa = FakeTsa("untrusted")
    settings.TSA_URLS = [tsa.url]
    try:
        with tenant_context(approved_alpha):
            document_seal.apply(args=(str(grant.pk), tasks.TIMESTAMP_MAX_RETRIES)).get()
            grant.refresh_from_db()
            assert grant.status == SigningGrant.Status.FAILED and grant.error == "timestamp_untrusted"
            assert grant.wrapped_data_key is None
            with translation.override("en"):
                assert "not signed by a trusted timestamp service" in grant.error_message
            assert DocumentVersion.objects.filter(document=grant.document).count() == 1
    finally:
        tsa.close()


@pytest.mark.django_db
def test_timestamps_and_revocation_fetches_reuse_one_tls_setup(world, monkeypatch):
    """Reading the CA bundle costs more CPU than the rest of a timestamp: it is done once per
    process, not once per request (pyHanko's clients did it for every token and every fetch)."""
    timestamp(hashlib.sha256(b"warm").digest(), _with_endpoints(pki.tsa_url()))
    made = []
    real = ssl.create_default_context
    monkeypatch.setattr(ssl, "create_default_context", lambda *a, **k: made.append(1) or real(*a, **k))
    for text in (b"one", b"two"):
        token = timestamp(hashlib.sha256(text).digest(), _with_endpoints(pki.tsa_url()))
        imprint = token["content"]["encap_content_info"]["content"].parsed["message_imprint"]
        assert imprint["hashed_message"].native == hashlib.sha256(text).digest()

    roots = platform_timestamping().trust_roots_pem
    tsa = asn1_x509.Certificate.load(pki.certificate(pki.Role.TSA).public_bytes(Encoding.DER))

    async def validate_tsa_certificate():
        context = validation_context(roots, fetching=True)
        async with aclosing(context):
            await CertificateValidator(tsa, validation_context=context).async_validate_usage(set())
            return context.ocsps

    assert asyncio.run(validate_tsa_certificate())  # the platform's OCSP answered over HTTP
    assert made == []
