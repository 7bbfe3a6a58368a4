"""The company the live fuzzing (tests/api/test_fuzz_live.py) works in, with one of everything
an operation can take by id, so that every link has something to follow: documents, an
envelope with a party, a company seal and a hardware-key seal, a webhook with a delivery, an
invitation, a second member, a seal-use request, and an envelope another company sent it
(its inbox). Made through the API where the API can make it, committed, removed afterwards."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django_tenants.utils import tenant_context

from accounts.models import AttemptCounter, AuthenticatorDevice, FactorLock, Membership, User
from documents.models import Document
from documents.services.approvals import seal_use_request_create
from seals.imports import seal_register_hardware_token
from seals.models import Seal
from tenants.models import ApiKey, Company
from tenants.services import api_key_create, company_create
from tests.conftest import PASSWORD, enrol_authenticator, host_of, totp_now
from tests.documents.pdfs import make_pdf
from tests.live import browser_session
from tests.seals.ukey import CertificateAuthority
from tests.workflows.conftest import committed_cleanup, seal_for, uscc_for

KEYWORD = "Seal here"
HOOK = {"url": "https://hooks.fuzz.example/in", "events": ["document.sealed"]}


@dataclass
class FuzzWorld:
    company: Company
    owner: User
    key: str
    device: AuthenticatorDevice
    seal: Seal
    hardware_seal: Seal
    document_id: str

    def headers(self) -> dict:
        return {"Host": host_of(self.company), "Authorization": f"Api-Key {self.key}", "Connection": "close"}

    def fresh_code(self) -> str:
        """What the owner's authenticator app shows, accepted again: a fuzzed step may have used
        it, and the wrong codes fuzzed before may have locked the factor."""
        AuthenticatorDevice.objects.filter(pk=self.device.pk).update(last_t=-1)
        AttemptCounter.objects.filter(user=self.owner).delete()
        FactorLock.objects.filter(user=self.owner).delete()
        _request_budget_reset(self.company)
        return totp_now(self.device)


def _key_for(company: Company, user: User) -> str:
    with tenant_context(company):
        _key, raw = api_key_create(company=company, name="fuzz", scopes=list(ApiKey.Scope.values), acting_user=user)
    return raw


def _call(url: str, headers: dict, method: str, path: str, expected: int, **kwargs) -> dict:
    response = requests.request(method, f"{url}{path}", headers=headers, timeout=60, **kwargs)
    assert response.status_code == expected, (method, path, response.status_code, response.text[:500])
    return response.json() if response.content else {}


def _upload(url: str, headers: dict, name: str = "contract.pdf") -> dict:
    files = {"file": (name, make_pdf(2, text=KEYWORD), "application/pdf")}
    return _call(url, headers, "POST", "/api/v1/documents/", 201, files=files)


def _post_json(url: str, headers: dict, path: str, body: dict, expected: int = 201) -> dict:
    return _call(url, {**headers, "Content-Type": "application/json"}, "POST", path, expected, data=json.dumps(body))


def _upload_placed(url: str, world: FuzzWorld) -> dict:
    """A document with a place for each seal (sealing, and a hardware key's session, need one)."""
    headers = world.headers()
    document = _upload(url, headers)
    world.document_id = document["id"]
    for seal, x in ((world.seal, 380), (world.hardware_seal, 200)):
        place = {"seal_id": str(seal.pk), "page": 0, "x": x, "y": 80}
        _post_json(url, headers, f"/api/v1/documents/{document['id']}/placements/", place)
    return document


def _hardware_seal(company: Company, owner: User) -> Seal:
    authority = CertificateAuthority.create()
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = authority.issue(
        key.public_key(), company_name=company.name, uscc=company.uscc, common_name=f"{company.name} U-key"
    )
    return seal_register_hardware_token(
        company=company,
        acting_user=owner,
        certificate_data=certificate.public_bytes(serialization.Encoding.PEM),
        chain_data=authority.pem,
        seal_type="contract",
    )


def fuzz_world_make(url: str) -> FuzzWorld:
    alpha = Company.objects.get(slug="alpha")
    owner = User.objects.create_user("fuzz@fuzz.example", PASSWORD, full_name="Fuzz")
    company = company_create(name="Fuzz Ltd", slug="fuzz", uscc=uscc_for(77), owner=owner, acting_user=owner)
    Company.objects.filter(pk__in=[company.pk, alpha.pk]).update(verification=Company.Verification.APPROVED)
    company.refresh_from_db()
    member = User.objects.create_user("member@fuzz.example", PASSWORD, full_name="Fuzz member")
    Membership.objects.create(user=member, company=company, role=Membership.Role.MEMBER)
    device, _codes = enrol_authenticator(owner)
    world = FuzzWorld(
        company=company,
        owner=owner,
        key=_key_for(company, owner),
        device=device,
        seal=seal_for(company, owner),
        hardware_seal=_hardware_seal(company, owner),
        document_id="",
    )
    headers = world.headers()
    document = _upload_placed(url, world)
    party = {"kind": "person", "name": "Signer", "email": "signer@elsewhere.example"}
    _post_json(url, headers, "/api/v1/envelopes/", {"document_id": document["id"], "parties": [party]})
    hook = _post_json(url, headers, "/api/v1/webhooks/", HOOK)
    _post_json(url, headers, f"/api/v1/webhooks/{hook['id']}/test/", {}, expected=202)
    _post_json(url, headers, "/api/v1/invitations/", {"email": "invited@fuzz.example", "role": "member"})
    with tenant_context(company):  # a member's request; members hold no API keys
        seal_use_request_create(
            document=Document.objects.get(pk=document["id"]),
            company=company,
            seal_id=world.seal.pk,
            requester=member,
            reason="Supply contract",
        )

    alice = User.objects.get(email="alice@alpha.example")
    sender = {"Host": host_of(alpha), "Authorization": f"Api-Key {_key_for(alpha, alice)}", "Connection": "close"}
    sent = _upload(url, sender, "from-alpha.pdf")
    to_fuzz = {
        "kind": "company",
        "uscc": company.uscc,
        "email": owner.email,
        "fields": [{"page": 0, "x": 120, "y": 80}],
    }
    envelope = {"document_id": sent["id"], "name": "Supply contract", "parties": [to_fuzz], "send": True}
    _post_json(url, sender, "/api/v1/envelopes/", envelope)
    deadline = time.monotonic() + 30
    while not _call(url, headers, "GET", "/api/v1/inbox/", 200)["results"]:
        assert time.monotonic() < deadline, "the envelope never reached the fuzzed company's inbox"
        time.sleep(0.2)
    return world


def _request_budget_reset(company: Company) -> None:
    """A client over its budget waits for the next minute; the fuzzing cannot, and on a fast
    machine its scenarios send more than the 600 requests a minute an API key may. Each
    scenario starts with a full budget (the throttle's own tests cover what happens past it)."""
    with tenant_context(company):  # budgets (per API key, per user) live under the company's schema
        cache.delete_pattern("throttle:*")


def fuzz_world_ensure(url: str, world: FuzzWorld) -> None:
    """Fuzzed steps delete documents and webhooks; each scenario starts with one of each again."""
    _request_budget_reset(world.company)
    headers = world.headers()
    if not _call(url, headers, "GET", "/api/v1/documents/", 200)["results"]:
        _upload_placed(url, world)
    if not _call(url, headers, "GET", "/api/v1/webhooks/", 200)["results"]:
        hook = _post_json(url, headers, "/api/v1/webhooks/", HOOK)
        _post_json(url, headers, f"/api/v1/webhooks/{hook['id']}/test/", {}, expected=202)


def fuzz_world_remove(started) -> None:
    alpha = Company.objects.get(slug="alpha")
    made = list(Company.objects.filter(created_at__gte=started))
    committed_cleanup(alpha, made)
    User.objects.filter(date_joined__gte=started).delete()  # registered on the platform host


def platform_session(user: User) -> dict:
    """Headers of a browser signed in as `user` on the platform host (session cookie, CSRF token)."""
    browser = browser_session(
        settings.BASE_DOMAIN,
        {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "django.contrib.auth.backends.AllowAllUsersModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )
    cookies = "; ".join(f"{name}={value}" for name, value in browser["cookies"].items())
    return {**browser["headers"], "Cookie": cookies}
