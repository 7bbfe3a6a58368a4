"""The whole envelope on a real worker, each party from its own place: company A sends a
contract to company B (seal), person C (signature) and company D (seal); A seals first
(certifying) from its own inbox, B and D from their own company hosts through the API,
C on the platform host by the emailed link and an emailed code. Data is committed (the
worker is another process), so the test removes what it made."""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import tenant_context

from accounts.models import User
from events.webhooks import webhook_endpoint_create, webhook_signature_verify
from tenants.models import Company
from tenants.services import api_key_create
from tests.conftest import client_on, totp_now, worker_mail, worker_mail_clear
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, committed_cleanup, drawn_signature_form, signatory
from tests.workflows.test_envelopes import assert_four_signatures_then_timestamp
from workflows.links import party_link_token
from workflows.models import Party

pytestmark = pytest.mark.integration


@pytest.fixture
def committed_cast(django_db_blocker, celery_worker_process):
    with django_db_blocker.unblock():
        alpha = Company.objects.get(slug="alpha")
        alice = User.objects.get(email="alice@alpha.example")
        made = []
        try:
            a = signatory("alpha", "Alpha Ltd", 0, existing=alpha, user=alice)
            b = signatory("bravo", "Bravo Trading Co", 1)
            made.append(b.company)
            d = signatory("delta", "Delta Works", 2)
            made.append(d.company)
            yield a, b, d
        finally:
            committed_cleanup(alpha, made)


def _api(signer):
    with tenant_context(signer.company):
        _key, raw = api_key_create(
            company=signer.company, name="ERP", acting_user=signer.user, scopes=["documents", "seals", "envelopes"]
        )
    return client_on(signer.company, HTTP_AUTHORIZATION=f"Api-Key {raw}")


def _wait(check, what: str, seconds: float = 90):
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.25)
    return result


def _post(api, url, body):
    return api.post(url, json.dumps(body), content_type="application/json")


def _seal_from_inbox(signer, api, step):
    (entry,) = [e for e in api.get("/api/v1/inbox/").json()["results"] if e["status"] == "active"]
    assert api.get(f"/api/v1/inbox/{entry['id']}/").json()["can_act"] is True
    job = _post(
        api,
        f"/api/v1/inbox/{entry['id']}/seal/",
        {
            "seal_id": str(signer.seal.pk),
            "seal_password": SEAL_PASSWORD,
            "otp_method": "authenticator",
            "otp_code": totp_now(signer.device, step),
        },
    )
    assert job.status_code == 202, job.content
    url = f"/api/v1/inbox/{entry['id']}/jobs/{job.json()['id']}/"
    state = _wait(lambda: (s := api.get(url).json())["status"] not in ("pending", "running") and s, "the seal job")
    assert state["status"] == "done", state


def _mail_to(address: str, pattern: str, count: int = 1) -> re.Match:
    def found():
        matches = [m for text in worker_mail(address) if (m := re.search(pattern, text))]
        return matches[count - 1] if len(matches) >= count else None

    return _wait(found, f"mail to {address} matching {pattern}")


def test_a_contract_goes_from_a_through_b_c_d_and_completes(committed_cast, webhook_receiver):
    a, b, d = committed_cast
    worker_mail_clear()
    api_a, api_b, api_d = _api(a), _api(b), _api(d)
    with tenant_context(a.company):
        _endpoint, webhook_secret = webhook_endpoint_create(
            url=webhook_receiver.url,
            acting_user=a.user,
            events=["envelope.sent", "envelope.party_signed", "envelope.completed"],
        )
    upload = api_a.post("/api/v1/documents/", {"file": SimpleUploadedFile("c.pdf", make_pdf(2), "application/pdf")})
    assert upload.status_code == 201, upload.content
    fields = lambda x: [{"page": 1, "x": x, "y": 80, "width": 100}]  # noqa: E731
    created = _post(
        api_a,
        "/api/v1/envelopes/",
        {
            "document_id": upload.json()["id"],
            "name": "Supply contract",
            "message": "Please seal.",
            "send": True,
            "parties": [
                {"kind": "company", "uscc": a.company.uscc, "email": "alice@alpha.example", "fields": fields(30)},
                {"kind": "company", "uscc": b.company.uscc, "email": b.user.email, "fields": fields(140)},
                {
                    "kind": "person",
                    "name": "张三",
                    "email": "zhangsan@example.com",
                    "fields": [{"page": 1, "x": 250, "y": 80}],
                },
                {"kind": "company", "uscc": d.company.uscc, "email": d.user.email, "fields": fields(420)},
            ],
        },
    )
    assert created.status_code == 201, created.content
    envelope = created.json()
    assert envelope["status"] == "in_progress"
    assert [p["status"] for p in envelope["parties"]] == ["active", "waiting", "waiting", "waiting"]

    _seal_from_inbox(a, api_a, step=1)  # A certifies from its own inbox

    # C holds a link early (say it was forwarded): before B has sealed it cannot act.
    with tenant_context(a.company):
        person = Party.objects.get(envelope_id=envelope["id"], kind="person")
        early_token = party_link_token(person)
    browser = client_on(None)
    early = browser.post(f"/sign/{early_token}/code/", follow=True)
    assert "earlier parties have not finished" in early.content.decode() or "尚未完成" in early.content.decode()
    with tenant_context(a.company):
        assert Party.objects.get(pk=person.pk).code_hash == ""

    _wait(lambda: api_b.get("/api/v1/inbox/").json()["results"], "B's inbox entry")
    _seal_from_inbox(b, api_b, step=1)

    # C's turn: the mail carries the link; the link alone shows nothing, the code does.
    token = _mail_to("zhangsan@example.com", r"/sign/([A-Za-z0-9_-]+)/").group(1)
    assert token == early_token
    assert "Supply contract" not in browser.get(f"/sign/{token}/pages/0.png").content.decode(errors="ignore")
    assert browser.get(f"/sign/{token}/pages/0.png").status_code == 404
    assert browser.post(f"/sign/{token}/code/").status_code == 302
    code = _mail_to("zhangsan@example.com", r"\b(\d{6})\b").group(1)
    assert browser.post(f"/sign/{token}/verify/", {"code": code}).status_code == 302
    assert browser.get(f"/sign/{token}/pages/0.png").status_code == 200
    assert browser.post(f"/sign/{token}/submit/", drawn_signature_form()).status_code == 302
    job_id = browser.session[f"envelope-job:{person.pk}"]
    job = _wait(lambda: (s := browser.get(f"/sign/{token}/jobs/{job_id}/").json())["status"] == "done" and s, "C")
    assert job["error"] == ""

    _wait(lambda: [e for e in api_d.get("/api/v1/inbox/").json()["results"] if e["status"] == "active"], "D's turn")
    _seal_from_inbox(d, api_d, step=1)

    url = f"/api/v1/envelopes/{envelope['id']}/"
    _wait(lambda: api_a.get(url).json()["status"] == "completed", "completion")
    final = api_a.get(f"{url}final/").content
    assert_four_signatures_then_timestamp(final, a.company)
    certificate = api_a.get(f"{url}certificate/")
    assert certificate.status_code == 200 and certificate.content.startswith(b"%PDF-")

    events = api_a.get(f"{url}events/").json()
    assert events["chain_intact"] is True
    actions = [event["action"] for event in events["events"]]
    assert actions.count("signed") == 4 and actions.count("code_passed") == 1 and "completed" in actions
    assert actions.index("sent") < actions.index("signed") < actions.index("completed")

    # B and D each hold the signed PDF in their own documents.
    import hashlib

    final_sha = hashlib.sha256(final).hexdigest()
    for api in (api_b, api_d):
        documents = api.get("/api/v1/documents/").json()["results"]
        assert final_sha in [doc["current_version"]["sha256"] for doc in documents]
    _mail_to("alice@alpha.example", r"Completed: Supply contract|已完成")

    # A's system heard every step, each message signed with A's endpoint secret.
    _wait(lambda: len(webhook_receiver.requests) >= 6, "the envelope webhooks")
    assert [event["type"] for event in webhook_receiver.events()] == [
        "envelope.sent",
        *["envelope.party_signed"] * 4,
        "envelope.completed",
    ]
    assert all(
        webhook_signature_verify(webhook_secret, headers["Sealhub-Signature"], body)
        for headers, body in webhook_receiver.requests
    )
    assert webhook_receiver.events()[-1]["data"]["sha256"] == final_sha
