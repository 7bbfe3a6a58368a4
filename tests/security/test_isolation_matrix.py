"""Every company-host URL and API endpoint, taken from the resolver, tried against company
B's real objects by company A: its member on A's host, its API key on A's host, its member
on B's host. Each answer is a refusal, never B's data and never a server error. A new path
parameter that the matrix cannot fill fails the test, so a new endpoint cannot slip by.
Task results are read only through the job endpoints (B's signing grant ids are in the map);
no endpoint reads Celery's result backend."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.models import Membership, User
from documents.models import DocumentVersion, SigningSession
from documents.services.approvals import seal_use_request_create
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_request
from documents.services.versions import document_upload
from events.webhooks import webhook_endpoint_create, webhook_test_send
from seals.models import SealApplication
from seals.services import seal_authorisation_grant
from tenants.members import invitation_create
from tenants.models import Company, EnvelopeRoute
from tenants.services import api_key_create
from tests.conftest import PASSWORD, client_on, totp_now
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, signatory, uscc_for
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send

pytestmark = pytest.mark.django_db

B_SECRET = "Beta-secret-merger-7Q"  # in B's document, envelope and key names; must never show up for A
REFUSED_PAGE = {403, 404, 405}
REFUSED_API = {401, 403, 404, 405}
# Pages any host serves to anyone: they show nothing of the company.
OPEN_ON_EVERY_HOST = {"healthz", "verify", "set_language", "api:verify", "api:schema", "api:docs"}
ANSWERS_WITHOUT_AN_OBJECT = {200, 302, 400, 401, 403, 404, 405, 503}  # 503: health check without a worker
# API actions check their input before the object: a valid body makes the refusal come from
# the lookup. An action answering 400 to an empty body must have its body here.
_SEAL_BODY = {
    "seal_id": str(uuid.uuid4()),
    "seal_password": "Seal-pass-2026",
    "otp_method": "authenticator",
    "otp_code": "123456",
}
VALID_BODIES = {
    "api:placements": {"seal_id": str(uuid.uuid4()), "page": 0, "x": 100, "y": 100},
    "api:documents_seal": _SEAL_BODY,
    "api:inbox_seal": _SEAL_BODY,
    "api:envelopes_parties": {"kind": "person", "name": "Mallory", "email": "mallory@example.com"},
    "api:inbox_decline": {"reason": "Let me in"},
    "api:documents_seal_sessions": {
        "seal_id": str(uuid.uuid4()),
        "otp_method": "authenticator",
        "otp_code": "123456",
    },
}
# The U-key agent's endpoints know no member or key, only a session's one-time token: a
# request without it is refused as unauthenticated (401) on every host.
TOKEN_ONLY = {"api:signing_sessions_agent", "api:signing_sessions_signature"}


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]


def _walk(patterns, namespace: str = "") -> list[Route]:
    routes = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += [
                Route(route.name, tuple(dict.fromkeys((*entry.pattern.regex.groupindex, *route.params))))
                for route in _walk(entry.url_patterns, inner)
            ]
        elif isinstance(entry, URLPattern):
            assert entry.name, f"unnamed URL pattern {entry.pattern}: name it so the matrix can reach it"
            routes.append(Route(f"{namespace}{entry.name}", tuple(entry.pattern.regex.groupindex)))
    return routes


def company_routes() -> list[Route]:
    return _walk(get_resolver("config.urls_tenants").url_patterns)


@pytest.fixture
def b(world):
    """Company B (beta) with one of everything, made through the services."""
    Company.objects.filter(pk=world.beta.pk).update(uscc=uscc_for(7))
    world.beta.refresh_from_db()
    owner = signatory("beta", "Beta Ltd", 7, existing=world.beta, user=world.charlie)
    dora = User.objects.create_user("dora@beta.example", PASSWORD, full_name="Dora")
    dora_membership = Membership.objects.create(user=dora, company=world.beta, role=Membership.Role.MEMBER)
    charlie_membership = Membership.objects.get(user=world.charlie, company=world.beta)
    invitation = invitation_create(
        company=world.beta,
        acting_membership=charlie_membership,
        email="eve@beta.example",
        role=Membership.Role.MEMBER,
    )
    with tenant_context(world.beta):
        api_key, _raw = api_key_create(company=world.beta, name=B_SECRET, scopes=["admin"], acting_user=world.charlie)
        document = document_upload(name=f"{B_SECRET}.pdf", data=make_pdf(2), acting_user=world.charlie)
        placement = placement_add(
            document=document, company=world.beta, seal_id=owner.seal.pk, page=0, x=380, y=80, acting_user=world.charlie
        )
        grant = document_seal_request(
            document=document,
            company=world.beta,
            seal_id=owner.seal.pk,
            user=world.charlie,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(owner.device, 1),
        )
        use_request = seal_use_request_create(
            document=document, company=world.beta, seal_id=owner.seal.pk, requester=dora, reason=B_SECRET
        )
    authorisation = seal_authorisation_grant(seal=owner.seal, user=dora, acting_membership=charlie_membership)
    with tenant_context(world.beta):
        envelope = envelope_create(document=document, name=B_SECRET, acting_user=world.charlie)
        party = envelope_party_add(
            envelope=envelope,
            kind="company",
            email=world.charlie.email,
            uscc=world.beta.uscc,
            order=1,
            acting_user=world.charlie,
        )
        field = envelope_field_add(party=party, page=1, x=100, y=80, acting_user=world.charlie)
        envelope_send(envelope=envelope, owner=world.beta, acting_user=world.charlie)
        version = DocumentVersion.objects.get(document=document, number=1)
    route = EnvelopeRoute.objects.get(party_company=world.beta)
    with tenant_context(world.beta):
        endpoint, _secret = webhook_endpoint_create(
            url="http://127.0.0.1:9/b-hook", events=["seal.revoked"], description=B_SECRET, acting_user=world.charlie
        )
        delivery = webhook_test_send(endpoint=endpoint)
        # A U-key signing session of B's (made directly: B has no hardware key in this test).
        session = SigningSession.objects.create(
            document=document,
            base_version=version,
            seal_id=owner.seal.pk,
            user_id=world.charlie.pk,
            user_label=B_SECRET,
            placements=[],
            token_hash=secrets.token_hex(32),
            expires_at=timezone.now() + timedelta(minutes=10),
        )
    ids = {
        "document_id": document.pk,
        "number": 1,
        "page": 0,
        "placement_id": placement.pk,
        "grant_id": grant.pk,
        "job_id": grant.pk,
        "seal_id": owner.seal.pk,
        "fmt": "png",
        "authorisation_id": authorisation.pk,
        "application_id": SealApplication.objects.get(company=world.beta).pk,
        "api_key_id": api_key.pk,
        "membership_id": dora_membership.pk,
        "member_id": dora_membership.pk,
        "invitation_id": invitation.pk,
        "request_id": use_request.pk,
        "envelope_id": envelope.pk,
        "party_id": party.pk,
        "field_id": field.pk,
        "route_id": route.pk,
        "endpoint_id": endpoint.pk,
        "delivery_id": delivery.pk,
        "action": "test",
        "session_id": session.pk,
        # Appeals belong to a person, not a company: someone else's appeal id.
        "appeal_id": uuid.uuid4(),
    }
    return world.beta, ids, version


def _refusal_problems(response, allowed: set[int], where: str) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    problems = []
    if response.status_code not in allowed:
        problems.append(f"{where}: {response.status_code} {body[:160]!r}")
    if B_SECRET.encode() in body:
        problems.append(f"{where}: B's data in the answer")
    return problems


def test_every_route_has_a_b_object_for_each_parameter(world, b):
    beta, ids, _version = b
    unknown = {param for route in company_routes() for param in route.params} - set(ids)
    assert unknown == set(), f"new path parameters: add B's object for them to the matrix: {sorted(unknown)}"
    # The ids are real: B's owner on B's host opens them.
    owner = client_on(beta, world.charlie)
    for name in (
        "documents:detail",
        "workflows:envelope_detail",
        "workflows:inbox_detail",
        "seals:detail",
        "workflows:seal_use_request_detail",
        "api:documents_detail",
        "api:envelopes_detail",
    ):
        route = next(route for route in company_routes() if route.name == name)
        url = reverse(name, urlconf="config.urls_tenants", kwargs={p: ids[p] for p in route.params})
        assert owner.get(url).status_code == 200, url


@pytest.mark.parametrize("actor", ["member_on_a", "api_key_on_a", "member_on_b"])
def test_a_is_refused_everything_of_b(world, b, actor):
    beta, ids, _version = b
    if actor == "member_on_a":
        client, allowed = client_on(world.alpha, world.alice), REFUSED_PAGE
    elif actor == "api_key_on_a":
        with tenant_context(world.alpha):
            _key, raw = api_key_create(company=world.alpha, name="ERP", scopes=["admin"], acting_user=world.alice)
        client, allowed = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}"), REFUSED_API
    else:
        client, allowed = client_on(beta, world.alice), {404}
    problems = []
    for route in company_routes():
        url = reverse(route.name, urlconf="config.urls_tenants", kwargs={p: ids[p] for p in route.params})
        if not route.params:
            # Without an object the page is the host's own (a list, a form, sign-in): on A's
            # host that is A's; on B's host only the pages every host has may answer.
            response = client.get(url)
            open_page = route.name in OPEN_ON_EVERY_HOST or route.name.startswith("accounts:")
            if actor == "member_on_b" and not open_page:
                problems += _refusal_problems(response, {404}, f"GET {url}")
            else:
                problems += _refusal_problems(response, ANSWERS_WITHOUT_AN_OBJECT, f"GET {url}")
            continue
        expected = allowed | {401, 405} if route.name in TOKEN_ONLY else allowed
        if actor == "api_key_on_a" and not url.startswith("/api/"):
            expected = allowed | {302}  # pages want a signed-in person: the key alone is sent to sign in
        problems += _refusal_problems(client.get(url), expected, f"GET {url}")
        response = client.post(url)
        if response.status_code == 400 and route.name in VALID_BODIES:
            response = client.post(url, json.dumps(VALID_BODIES[route.name]), content_type="application/json")
        problems += _refusal_problems(response, expected, f"POST {url}")
    assert problems == [], "\n".join(problems)


def test_b_media_files_are_not_served_on_any_host(world, b):
    beta, _ids, version = b
    name = version.file.name
    assert name.startswith(f"{beta.schema_name}/"), name
    for client in (client_on(world.alpha, world.alice), client_on(beta, world.alice), client_on(None, world.alice)):
        for prefix in (settings.MEDIA_URL, "/"):
            response = client.get(f"{prefix}{name}")
            assert response.status_code == 404, (prefix, response.status_code)
            assert not response.content.startswith(b"%PDF")


def test_cache_keys_carry_the_tenant():
    from django.db import connection

    world_companies = {company.slug: company for company in Company.objects.filter(slug__in=["alpha", "beta"])}
    with tenant_context(world_companies["beta"]):
        cache.set("isolation-probe", B_SECRET, 30)
        assert cache.get("isolation-probe") == B_SECRET
        assert connection.schema_name in cache.make_key("isolation-probe")
    try:
        with tenant_context(world_companies["alpha"]):
            assert cache.get("isolation-probe") is None
        assert cache.get("isolation-probe") is None  # the platform schema neither
    finally:
        with tenant_context(world_companies["beta"]):
            cache.delete("isolation-probe")
