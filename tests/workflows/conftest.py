"""Companies that take part in envelopes: each approved, with an owner who has an
authenticator and an active company seal."""

from __future__ import annotations

import base64
import io
import json
from dataclasses import dataclass

import pytest
from django_tenants.utils import tenant_context
from PIL import Image, ImageDraw
from stdnum.cn import uscc as uscc_number

from accounts.models import User
from seals.models import Seal
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import Company
from tenants.services import company_create
from tests.conftest import PASSWORD, enrol_authenticator
from tests.seals.conftest import licence
from workflows.cross_tenant import PersonSignature
from workflows.envelopes.sending import DEFAULT_LIFETIME
from workflows.models import Envelope
from workflows.selectors import envelope_review

SEAL_PASSWORD = "Seal-pass-2026"


@dataclass
class Signatory:
    company: Company
    user: User
    seal: Seal
    device: object


def uscc_for(serial: int) -> str:
    body = f"91310000{serial:09d}"
    return body + uscc_number.calc_check_digit(body)


def seal_for(company: Company, user: User, name: str | None = None) -> Seal:
    application = seal_application_submit(
        company=company,
        applicant=user,
        seal_type="contract",
        seal_name=name or company.name,
        seal_password=SEAL_PASSWORD,
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=user)


def signatory(slug: str, name: str, serial: int, *, existing: Company | None = None, user: User | None = None):
    if existing is None:
        user = User.objects.create_user(f"owner@{slug}.example", PASSWORD, full_name=f"{name} owner")
        existing = company_create(name=name, slug=slug, uscc=uscc_for(serial), owner=user, acting_user=user)
    Company.objects.filter(pk=existing.pk).update(verification=Company.Verification.APPROVED)
    existing.refresh_from_db()
    device, _codes = enrol_authenticator(user)
    return Signatory(company=existing, user=user, seal=seal_for(existing, user), device=device)


@pytest.fixture
def tasks_run_here(monkeypatch):
    """Queued tasks (mail, completion) run in this process when the transaction commits,
    in the schema they were queued from."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)
    monkeypatch.setattr(app.conf, "task_eager_propagates", True)


@pytest.fixture
def cast(world, approved_alpha):
    """A (alpha, Alice), B (Bravo) and D (Delta): three companies ready to seal."""
    a = signatory("alpha", "Alpha Ltd", 0, existing=approved_alpha, user=world.alice)
    b = signatory("bravo", "Bravo Trading Co", 1)
    d = signatory("delta", "Delta Works", 2)
    return a, b, d


class WebhookReceiver:
    """A real HTTP server on loopback that records what Sealhub posts and answers with
    the statuses it is told to (then 200)."""

    def __init__(self, statuses: list[int] | None = None):
        import http.server
        import threading

        self.requests: list[tuple[dict, bytes]] = []
        self.statuses = list(statuses or [])
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"try later")

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sealhub"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def events(self) -> list[dict]:
        return [json.loads(body) for _headers, body in self.requests]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver():
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()


def committed_cleanup(alpha, others):
    """What tests that commit for a worker or a live server made, removed again."""
    from django.db import connection

    from accounts.models import AttemptCounter, AuthenticatorDevice, FactorLock, RecoveryCode, SecurityEvent, User
    from documents.models import Document, DocumentVersion, EvidencePackage, Placement, SealUseRequest, SigningGrant
    from events.models import AuditEvent, WebhookDelivery, WebhookEndpoint
    from seals.models import SealApplication, SealStatusChange
    from tenants.models import ApiKey, EnvelopeRoute, IdempotencyRecord
    from workflows.models import Envelope, EnvelopeEvent, Party

    with tenant_context(alpha):
        WebhookDelivery.objects.all().delete()
        WebhookEndpoint.objects.all().delete()
        EnvelopeEvent.objects.all().delete()
        Envelope.objects.update(prepared_version=None, final_version=None)
        Party.objects.all().delete()
        Envelope.objects.all().delete()
        SealUseRequest.objects.all().delete()
        Document.objects.update(current_version=None)
        DocumentVersion.objects.update(grant=None)
        EvidencePackage.objects.all().delete()
        SigningGrant.objects.all().delete()
        DocumentVersion.objects.all().delete()
        Placement.objects.all().delete()
        Document.objects.all().delete()
        AuditEvent.objects.exclude(action="company.created").delete()
    EnvelopeRoute.objects.all().delete()
    SealStatusChange.objects.all().delete()
    Seal.objects.all().delete()
    SealApplication.objects.all().delete()
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
    for company in others:
        owners = list(User.objects.filter(memberships__company=company))
        connection.set_schema_to_public()
        company.delete(force_drop=True)
        for user in owners:
            user.delete()
    Company.objects.filter(pk=alpha.pk).update(verification=Company.Verification.PENDING)


def drawn_signature_png(width: int = 600, height: int = 240) -> bytes:
    """A stroke on a transparent canvas, as the sign page's pad sends it."""
    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    ImageDraw.Draw(image).line(
        [(width * 0.1, height * 0.8), (width * 0.4, height * 0.2), (width * 0.9, height * 0.7)],
        fill=(13, 41, 115, 255),
        width=6,
    )
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


# What the sign page posts: the consent box and a typed name, or a drawing.
TYPED_SIGNATURE_FORM = {"consent": "yes", "signature_mode": "type", "typed_name": "张三"}
TYPED_SIGNATURE = PersonSignature(consent=True, typed_name="张三")


def drawn_signature_form() -> dict:
    return {
        "consent": "yes",
        "signature_mode": "draw",
        "signature_png": "data:image/png;base64," + base64.b64encode(drawn_signature_png()).decode(),
    }


def reviewed(company: Company, envelope) -> dict:
    """The form the review page posts to send `envelope`: the digest of what it showed."""
    with tenant_context(company):
        current = Envelope.objects.get(pk=envelope.pk)
        return {"review": envelope_review(envelope=current, default_lifetime=DEFAULT_LIFETIME).digest}
