"""Sealing with a hardware key (U-key): a SoftHSM2 token with a key and a certificate
from a test CA is registered as a seal; the agent signs what the server prepared."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from config.celery import app as celery_app
from documents.models import DocumentVersion, EvidencePackage, SigningSession
from documents.pdf.archive import newest_timestamp
from documents.services.sealing import document_seal_requeue_stale
from documents.signing_sessions import signing_session_finish_execute
from seals import agent, pki
from seals.imports import seal_register_hardware_token
from seals.models import Seal
from tenants.models import Company
from tenants.services import api_key_create
from tests.conftest import BASE_DIR, client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import make_pdf
from tests.seals.ukey import CertificateAuthority, SoftToken, create_token, softhsm_missing_reason

pytestmark = pytest.mark.skipif(softhsm_missing_reason() is not None, reason=softhsm_missing_reason() or "")


@pytest.fixture(scope="session")
def test_ca() -> CertificateAuthority:
    return CertificateAuthority.create()


@pytest.fixture(scope="session")
def soft_token(tmp_path_factory, test_ca) -> SoftToken:
    """One token per test run: SoftHSM2 reads its configuration once per process."""
    return create_token(
        tmp_path_factory.mktemp("softhsm"), test_ca, company_name="Alpha Ltd", uscc="91110000802100433B"
    )


def _der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def _validate(data: bytes, ca: CertificateAuthority):
    """Trusting the U-key's CA for the signature and the platform root for its timestamp."""

    roots = [asn1_x509.Certificate.load(_der(c)) for c in (ca.certificate, pki.certificate(pki.Role.ROOT))]
    signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    return [validate_pdf_signature(s, ValidationContext(trust_roots=roots, allow_fetching=False)) for s in signatures]


@pytest.fixture
def ukey_seal(approved_alpha, world, soft_token, test_ca) -> Seal:
    return seal_register_hardware_token(
        company=approved_alpha,
        acting_user=world.alice,
        certificate_data=soft_token.certificate_pem,
        chain_data=test_ca.pem,
        seal_type="contract",
    )


@pytest.fixture
def api(world, approved_alpha):
    with tenant_context(approved_alpha):
        _key, raw_key = api_key_create(
            company=approved_alpha, name="ERP", scopes=["documents", "seals"], acting_user=world.alice
        )
    device, _codes = enrol_authenticator(world.alice)
    return client_on(approved_alpha, HTTP_AUTHORIZATION=f"Api-Key {raw_key}"), device


def _document_with_placement(client, seal: Seal, pages: int = 1, places: int = 1) -> str:
    created = client.post(
        "/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(pages), "application/pdf")}
    )
    document_id = created.json()["id"]
    for index in range(places):
        placement = {"seal_id": str(seal.pk), "page": pages - 1, "x": 380 - 150 * index, "y": 80}
        response = client.post(
            f"/api/v1/documents/{document_id}/placements/", json.dumps(placement), content_type="application/json"
        )
        assert response.status_code == 201, response.content
    return document_id


def _start(client, device, document_id, seal, steps_ahead=1):
    body = {"seal_id": str(seal.pk), "otp_method": "authenticator", "otp_code": totp_now(device, steps_ahead)}
    return client.post(
        f"/api/v1/documents/{document_id}/seal_sessions/", json.dumps(body), content_type="application/json"
    )


def _agent_headers(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Signing-Session {token}"}


def _sign_with_token(soft_token: SoftToken, data: bytes) -> bytes:
    with agent.open_token(soft_token.module, soft_token.label, soft_token.pin) as session:
        return agent.sign_on_token(agent.find_private_key(session, _der(soft_token.certificate)), data)


def _submit(client, session_path, token, state, signature):
    body = {
        "step": state["step"],
        "signed_attributes_sha256": state["signed_attributes_sha256"],
        "signature": base64.b64encode(signature).decode(),
    }
    return client.post(
        f"{session_path}signature/", json.dumps(body), content_type="application/json", **_agent_headers(token)
    )


@pytest.mark.django_db
class TestRegistration:
    def test_a_token_certificate_becomes_an_active_seal_without_key_material(self, world, api, soft_token, test_ca):
        client, _device = api
        response = client.post(
            "/api/v1/seals/hardware_key/",
            {
                "certificate_file": SimpleUploadedFile("ukey.cer", _der(soft_token.certificate)),
                "chain_file": SimpleUploadedFile("ca.pem", test_ca.pem),
                "seal_type": "contract",
            },
        )
        assert response.status_code == 201, response.content
        assert response.json()["issuer"] == "hardware_token"
        seal = Seal.objects.get(pk=response.json()["id"])
        assert seal.status == Seal.Status.ACTIVE
        assert seal.encrypted_private_key is None and seal.wrapped_data_key is None
        assert seal.chain_pem == test_ca.pem.decode()

    def test_it_refuses_a_certificate_issued_to_another_company(self, world, test_ca):
        from config.errors import ApplicationError

        other = test_ca.issue(
            ec.generate_private_key(ec.SECP256R1()).public_key(), company_name="Gamma Ltd", uscc="", common_name="x"
        )
        with pytest.raises(ApplicationError) as error:
            seal_register_hardware_token(
                company=world.alpha,
                acting_user=world.alice,
                seal_type="contract",
                certificate_data=other.public_bytes(serialization.Encoding.PEM),
            )
        assert error.value.code == "certificate_other_company"
        assert not Seal.objects.exists()


@pytest.mark.django_db
class TestSigningSession:
    def test_the_token_signature_seals_a_version_that_validates(
        self, world, api, ukey_seal, soft_token, test_ca, monkeypatch
    ):
        client, device = api
        document_id = _document_with_placement(client, ukey_seal, pages=2, places=2)
        started = _start(client, device, document_id, ukey_seal)
        assert started.status_code == 201, started.content
        token, session_path = started.json()["token"], started.json()["agent_url"].split(".test")[-1]
        assert session_path.startswith("/api/v1/signing_sessions/") and token in started.json()["agent_command"]
        with tenant_context(world.alpha):
            session = SigningSession.objects.get()
            assert session.token_hash == hashlib.sha256(token.encode()).hexdigest()
        for step in range(2):
            state = client.get(session_path, **_agent_headers(token)).json()
            assert (state["status"], state["step"], state["steps"]) == ("waiting", step, 2)
            assert state["document_name"] == "c.pdf" and state["requester"] == str(world.alice)
            signed_attributes = agent.checked_signed_attributes(state)
            last = (state, _sign_with_token(soft_token, signed_attributes))
            response = _submit(client, session_path, token, *last)
            assert response.status_code == 202, response.content
            with tenant_context(world.alpha):
                if step == 0:
                    signing_session_finish_execute(session_id=session.pk)
                else:  # this embedding job was lost with the broker: the stale-job sweep queues it again
                    monkeypatch.setattr(celery_app.conf, "task_always_eager", True)
                    assert document_seal_requeue_stale(older_than=timedelta(0)) == 1
        state = client.get(session_path, **_agent_headers(token)).json()
        assert (state["status"], state["version"], state["error"]) == ("done", 2, "")
        signed = b"".join(client.get(f"/api/v1/documents/{document_id}/versions/2/download/").streaming_content)
        statuses = _validate(signed, test_ca)
        assert len(statuses) == 2 and all(s.intact and s.valid and s.trusted for s in statuses)
        # B-LT (the default): the validation data follows the token's signature in a DSS revision.
        assert statuses[-1].coverage == SignatureCoverageLevel.ENTIRE_REVISION
        assert statuses[-1].modification_level == ModificationLevel.LTA_UPDATES
        assert statuses[-1].timestamp_validity is not None
        with tenant_context(world.alpha):
            session.refresh_from_db()
            assert session.prepared_pdf is None and session.signature is None
            assert DocumentVersion.objects.get(number=2).signature_count == 2

        replay = _submit(client, session_path, token, *last)
        assert (replay.status_code, replay.json()["type"]) == (410, "session_used")

    @pytest.mark.parametrize("level", ["B-T", "B-LT", "B-LTA"])
    def test_a_token_sealing_reaches_the_companys_level(
        self, world, approved_alpha, api, ukey_seal, soft_token, test_ca, level
    ):
        Company.objects.filter(pk=approved_alpha.pk).update(signature_level=level)
        for company in {id(c): c for c in (approved_alpha, world.alpha)}.values():
            company.refresh_from_db()  # the schema's company object the job reads its level from
        client, device = api
        document_id = _document_with_placement(client, ukey_seal)
        started = _start(client, device, document_id, ukey_seal).json()
        token, session_path = started["token"], started["agent_url"].split(".test")[-1]
        state = client.get(session_path, **_agent_headers(token)).json()
        signature = _sign_with_token(soft_token, agent.checked_signed_attributes(state))
        assert _submit(client, session_path, token, state, signature).status_code == 202
        with tenant_context(world.alpha):
            version = signing_session_finish_execute(session_id=SigningSession.objects.get().pk)
            with version.file.open("rb") as handle:
                signed = handle.read()
        reader = PdfFileReader(io.BytesIO(signed))
        kinds = [s.sig_object_type for s in reader.embedded_signatures]
        roots = [asn1_x509.Certificate.load(_der(c)) for c in (test_ca.certificate, pki.certificate(pki.Role.ROOT))]
        status = validate_pdf_signature(
            reader.embedded_signatures[0], ValidationContext(trust_roots=roots, allow_fetching=False)
        )
        assert status.intact and status.valid and status.trusted
        if level == "B-T":  # the browser's signature as it came: nothing after it
            assert kinds == ["/Sig"] and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
            assert version.archive_renew_by is None
            return
        # B-LT and B-LTA: the token's signature and its timestamp validate from the file's DSS
        # alone, nothing fetched, every declared revocation source answered from the file.
        store = DocumentSecurityStore.read_dss(reader)
        from_file = store.as_validation_context(
            {"trust_roots": roots, "allow_fetching": False, "revocation_mode": "hard-fail"}
        )
        offline = validate_pdf_signature(reader.embedded_signatures[0], from_file, from_file)
        assert offline.bottom_line and offline.timestamp_validity.trusted
        assert offline.modification_level == ModificationLevel.LTA_UPDATES
        tsa = offline.timestamp_validity.signing_cert
        assert tsa.sha256 in {c.sha256 for c in store.load_certs()} and store.ocsps
        if level == "B-LT":
            assert kinds == ["/Sig"] and version.archive_renew_by is None
            return
        # B-LTA: an archive timestamp closes it, due for renewal before its TSA certificate expires.
        assert kinds == ["/Sig", "/DocTimeStamp"]
        assert version.archive_renew_by == newest_timestamp(signed).tsa_not_after

    def test_a_signature_from_another_key_is_refused_and_nothing_stored(self, world, api, ukey_seal, soft_token):
        client, device = api
        document_id = _document_with_placement(client, ukey_seal)
        started = _start(client, device, document_id, ukey_seal).json()
        token, session_path = started["token"], started["agent_url"].split(".test")[-1]
        state = client.get(session_path, **_agent_headers(token)).json()
        signed_attributes = agent.checked_signed_attributes(state)
        forged = ec.generate_private_key(ec.SECP256R1()).sign(signed_attributes, ec.ECDSA(hashes.SHA256()))

        response = _submit(client, session_path, token, state, forged)

        assert (response.status_code, response.json()["type"]) == (400, "signature_mismatch")
        with tenant_context(world.alpha):
            session = SigningSession.objects.get()
            assert session.status == SigningSession.Status.WAITING and session.signature is None
            assert DocumentVersion.objects.count() == 1
        # The right U-key can still sign within the session.
        right = _submit(client, session_path, token, state, _sign_with_token(soft_token, signed_attributes))
        assert right.status_code == 202

    def test_a_signature_for_other_data_is_refused(self, world, api, ukey_seal, soft_token):
        client, device = api
        document_id = _document_with_placement(client, ukey_seal)
        started = _start(client, device, document_id, ukey_seal).json()
        token, session_path = started["token"], started["agent_url"].split(".test")[-1]
        state = client.get(session_path, **_agent_headers(token)).json()
        other = hashlib.sha256(b"another document").hexdigest()
        response = _submit(client, session_path, token, state | {"signed_attributes_sha256": other}, b"\x30\x00")
        assert (response.status_code, response.json()["type"]) == (409, "signature_for_other_data")

    def test_an_expired_session_is_refused(self, world, api, ukey_seal, soft_token):
        client, device = api
        document_id = _document_with_placement(client, ukey_seal)
        started = _start(client, device, document_id, ukey_seal).json()
        token, session_path = started["token"], started["agent_url"].split(".test")[-1]
        state = client.get(session_path, **_agent_headers(token)).json()
        with tenant_context(world.alpha):
            SigningSession.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        assert client.get(session_path, **_agent_headers(token)).json()["status"] == "expired"

        signature = _sign_with_token(soft_token, agent.checked_signed_attributes(state))
        response = _submit(client, session_path, token, state, signature)

        assert (response.status_code, response.json()["type"]) == (410, "session_expired")
        with tenant_context(world.alpha):
            assert SigningSession.objects.get().status == SigningSession.Status.EXPIRED
            assert DocumentVersion.objects.count() == 1

    def test_a_wrong_token_or_another_company_sees_nothing(self, world, api, ukey_seal):
        client, device = api
        document_id = _document_with_placement(client, ukey_seal)
        started = _start(client, device, document_id, ukey_seal).json()
        session_path = started["agent_url"].split(".test")[-1]
        assert client.get(session_path, **_agent_headers("not-the-token")).status_code == 404
        assert client.get(session_path).status_code == 401
        beta = client_on(world.beta, **_agent_headers(started["token"]))
        assert beta.get(session_path).status_code == 404

    def test_the_seal_password_route_refuses_a_token_seal(self, world, api, ukey_seal):
        client, device = api
        document_id = _document_with_placement(client, ukey_seal)
        body = {
            "seal_id": str(ukey_seal.pk),
            "seal_password": "x",
            "otp_method": "authenticator",
            "otp_code": totp_now(device, 1),
        }
        response = client.post(
            f"/api/v1/documents/{document_id}/seal/", json.dumps(body), content_type="application/json"
        )
        assert (response.status_code, response.json()["type"]) == (409, "seal_on_hardware_key")

    def test_the_agent_explains_a_wrong_pin(self, soft_token):
        with pytest.raises(agent.AgentError, match="PIN is wrong"):
            agent.open_token(soft_token.module, soft_token.label, "000000")

    def test_the_agent_explains_a_missing_token(self, soft_token):
        with pytest.raises(agent.AgentError, match="No U-key labelled"):
            agent.open_token(soft_token.module, "not-plugged-in", soft_token.pin)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def live_company(django_db_blocker, celery_worker_process, soft_token, test_ca):
    """Alpha reachable at http://localhost:<port>/ on a real server process, with a real
    worker; data is committed (other processes read it) and removed afterwards."""
    from django.conf import settings

    from accounts.models import AttemptCounter, AuthenticatorDevice, FactorLock, RecoveryCode, SecurityEvent, User
    from documents.models import Document, Placement, SigningGrant
    from events.models import AuditEvent
    from seals.models import SealStatusChange
    from tenants.models import ApiKey, Company, Domain, IdempotencyRecord
    from tests.conftest import database_url_for_subprocess

    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.APPROVED)
        Domain.objects.create(domain="localhost", tenant=alpha, is_primary=False)
        seal = seal_register_hardware_token(
            company=alpha,
            acting_user=alice,
            certificate_data=soft_token.certificate_pem,
            chain_data=test_ca.pem,
            seal_type="contract",
        )
        with tenant_context(alpha):
            _key, raw_key = api_key_create(company=alpha, name="ERP", scopes=["documents", "seals"], acting_user=alice)
        device, _codes = enrol_authenticator(alice)
        port = _free_port()
        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE="config.settings_test",
            DATABASE_URL=database_url_for_subprocess(),
            REDIS_URL=settings.REDIS_URL,
            SEALHUB_TASK_QUEUE=settings.CELERY_TASK_DEFAULT_QUEUE,
            ALLOWED_HOSTS=f"localhost,127.0.0.1,{settings.BASE_DOMAIN},.{settings.BASE_DOMAIN}",
        )
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            env=env,
            cwd=BASE_DIR,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        break
                except OSError:
                    assert server.poll() is None and time.monotonic() < deadline, "the server did not start"
                    time.sleep(0.2)
            yield f"http://localhost:{port}", raw_key, device, seal
        finally:
            server.terminate()
            server.wait(timeout=20)
            with tenant_context(alpha):
                Document.objects.update(current_version=None)
                DocumentVersion.objects.update(grant=None)
                EvidencePackage.objects.all().delete()
                SigningSession.objects.all().delete()
                SigningGrant.objects.all().delete()
                DocumentVersion.objects.all().delete()
                Placement.objects.all().delete()
                Document.objects.all().delete()
                AuditEvent.objects.exclude(action="company.created").delete()
            SealStatusChange.objects.all().delete()
            Seal.objects.all().delete()
            for model in (
                RecoveryCode,
                AuthenticatorDevice,
                AttemptCounter,
                FactorLock,
                SecurityEvent,
                IdempotencyRecord,
                ApiKey,
            ):
                model.objects.all().delete()
            Domain.objects.filter(domain="localhost").delete()
            Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.PENDING)


def _run_agent(url: str, token: str, soft_token: SoftToken, pin: str) -> subprocess.CompletedProcess:
    command = [
        sys.executable,
        "-m",
        "seals.agent",
        "--url",
        url,
        f"--token={token}",
        "--module",
        soft_token.module,
        "--token-label",
        soft_token.label,
        "--yes",
    ]
    env = dict(os.environ, **soft_token.environment, SEALHUB_UKEY_PIN=pin)
    return subprocess.run(command, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=120)


@pytest.mark.integration
def test_the_agent_seals_on_a_live_server_and_the_pdf_validates(live_company, soft_token, test_ca):
    import requests

    base_url, raw_key, device, seal = live_company
    http = requests.Session()
    http.headers["Authorization"] = f"Api-Key {raw_key}"
    files = {"file": ("contract.pdf", make_pdf(2), "application/pdf")}
    document_id = http.post(f"{base_url}/api/v1/documents/", files=files).json()["id"]
    placement = {"seal_id": str(seal.pk), "page": 1, "x": 380, "y": 80}
    assert http.post(f"{base_url}/api/v1/documents/{document_id}/placements/", json=placement).status_code == 201
    body = {"seal_id": str(seal.pk), "otp_method": "authenticator", "otp_code": totp_now(device, 1)}
    started = http.post(f"{base_url}/api/v1/documents/{document_id}/seal_sessions/", json=body)
    assert started.status_code == 201, started.text
    url, token = started.json()["agent_url"], started.json()["token"]
    assert url.startswith(f"{base_url}/api/v1/signing_sessions/")

    wrong_pin = _run_agent(url, token, soft_token, "000000")
    assert wrong_pin.returncode == 1
    assert "The PIN is wrong. Nothing was signed." in wrong_pin.stderr
    status_url = f"{base_url}/api/v1/documents/{document_id}/seal_sessions/{started.json()['id']}/"
    assert http.get(status_url).json()["status"] == "waiting"

    sealed = _run_agent(url, token, soft_token, soft_token.pin)
    assert sealed.returncode == 0, sealed.stderr
    assert "Document:        contract.pdf" in sealed.stdout and "Sealed: version 2" in sealed.stdout
    assert http.get(status_url).json()["status"] == "done"
    signed = http.get(f"{base_url}/api/v1/documents/{document_id}/versions/2/download/").content
    (status,) = _validate(signed, test_ca)
    assert status.intact and status.valid and status.trusted
    # B-LT (the default): the validation data the server added after the token's signature.
    assert status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
    assert status.modification_level == ModificationLevel.LTA_UPDATES
    assert status.signing_cert.dump() == _der(soft_token.certificate)

    replayed = _run_agent(url, token, soft_token, soft_token.pin)
    assert replayed.returncode == 1 and "status: done" in replayed.stderr


@pytest.mark.django_db
def test_the_document_page_starts_a_session_and_shows_the_agent_command(world, ukey_seal, soft_token):
    from tests.conftest import client_on as browser_on

    device, _codes = enrol_authenticator(world.alice)
    browser = browser_on(world.alpha, world.alice)
    with tenant_context(world.alpha):
        from documents.services.placements import placement_add
        from documents.services.versions import document_upload

        document = document_upload(name="contract.pdf", data=make_pdf(1), acting_user=world.alice)
        placement_add(
            document=document, company=world.alpha, seal_id=ukey_seal.pk, page=0, x=380, y=80, acting_user=world.alice
        )
    form = {"seal": str(ukey_seal.pk), "otp_method": "authenticator", "otp_code": totp_now(device, 1)}
    response = browser.post(f"/documents/{document.pk}/seal/", form)
    assert response.status_code == 302
    with tenant_context(world.alpha):
        session = SigningSession.objects.get()
    assert response["Location"] == f"/documents/{document.pk}/seal-sessions/{session.pk}/"
    page = browser.get(response["Location"]).content.decode()
    assert "python -m seals.agent --url http://alpha.sealhub.test/api/v1/signing_sessions/" in page
    assert browser.get(f"{response['Location']}status/").json()["status"] == "waiting"
    # Charlie, of another company, does not even see that it exists.
    assert client_on(world.beta, world.charlie).get(response["Location"]).status_code == 404
