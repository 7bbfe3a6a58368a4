"""The authority matrix: every route of both URL configurations (pages and API), taken from
the resolvers, tried by every actor: anonymous, each company role, another company's
owner and a platform reviewer. Each route is declared below with what it does (an
action of accounts.authority, or a kind of open route); a route missing from the tables
fails the test, so a new route cannot ship unclassified.

One request per route, method and actor, on one set of objects built once. Every request
runs in a savepoint that is rolled back, so an allowed write does not disturb the next
request; a refused one must have changed nothing and left an `authority.refused` row."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import transaction
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django_tenants.utils import tenant_context

from accounts.authority import ROLES, Action, role_may
from accounts.models import Membership, User
from documents.services.approvals import seal_use_request_create
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_request
from documents.services.versions import document_upload
from events.models import AuditEvent
from events.webhooks import webhook_endpoint_create, webhook_test_send
from seals.models import SealApplication
from seals.services import seal_authorisation_grant
from tenants.members import invitation_create
from tenants.models import Company, EnvelopeRoute
from tenants.services import api_key_create
from tests.conftest import PASSWORD, client_on, totp_now, verified_client_on
from tests.documents.pdfs import make_pdf
from tests.workflows.conftest import SEAL_PASSWORD, signatory, uscc_for
from workflows.envelopes.drafting import envelope_create, envelope_field_add, envelope_party_add
from workflows.envelopes.sending import envelope_send

pytestmark = pytest.mark.django_db

A = Action
GET, POST, PATCH, DELETE = "GET", "POST", "PATCH", "DELETE"

# Kinds of route that no role decides.
OPEN = "open"  # anyone, on any host: shows nothing of a company (health, verify, sign-in, docs)
SIGNED_IN = "signed_in"  # the signed-in person's own account, on the platform host
TOKEN = "token"  # needs a secret token (sign links, invitations, the U-key agent)
REVIEWER = "reviewer"  # the platform's review admin

# Company host: route name → {method: action or kind}.
COMPANY_ROUTES: dict[str, dict[str, Action | str]] = {
    "home": {GET: A.COMPANY_READ},
    "healthz": {GET: OPEN},
    "verify": {GET: OPEN},
    "set_language": {POST: OPEN},
    **{
        f"accounts:{name}": {GET: OPEN}
        for name in (
            "login",
            "logout",
            "login_verify",
            "handoff",
            "security",
            "authenticator_setup",
            "recovery_codes_regenerate",
            "register",
            "register_conflict",
            "account_recover",
            "account_recover_confirm",
            "identity_appeal_create",
            "identity_appeal_detail",
            "email_verify",
            "password_reset",
            "password_reset_confirm",
        )
    },
    "tenants:company_settings": {GET: A.COMPANY_SETTINGS, POST: A.COMPANY_SETTINGS},
    "tenants:api_keys": {GET: A.API_KEY_MANAGE, POST: A.API_KEY_MANAGE},
    "tenants:api_key_revoke": {POST: A.API_KEY_MANAGE},
    "tenants:api_key_rotate": {POST: A.API_KEY_MANAGE},
    "tenants:members": {GET: A.MEMBER_READ},
    "tenants:member_invite": {POST: A.MEMBER_MANAGE},
    "tenants:member_role": {POST: A.MEMBER_MANAGE},
    "tenants:member_remove": {POST: A.MEMBER_MANAGE},
    "tenants:invitation_revoke": {POST: A.MEMBER_MANAGE},
    "events:audit_events": {GET: A.AUDIT_READ},
    "events:webhooks": {GET: A.WEBHOOK_MANAGE, POST: A.WEBHOOK_MANAGE},
    "events:webhook_detail": {GET: A.WEBHOOK_MANAGE},
    "events:webhook_action": {POST: A.WEBHOOK_MANAGE},
    "events:webhook_resend": {POST: A.WEBHOOK_MANAGE},
    "workflows:seal_use_request_list": {GET: A.DOCUMENT_READ},
    "workflows:seal_use_request_detail": {GET: A.DOCUMENT_READ},  # members: their own requests
    "workflows:seal_use_request_approve": {POST: A.SEAL_USE_APPROVE},
    "workflows:seal_use_request_reject": {POST: A.SEAL_USE_APPROVE},
    "workflows:seal_use_request_cancel": {POST: A.SEAL_USE_REQUEST},
    "workflows:seal_use_request_create": {POST: A.SEAL_USE_REQUEST},
    "workflows:envelope_list": {GET: A.ENVELOPE_READ},
    "workflows:envelope_create": {GET: A.ENVELOPE_SEND, POST: A.ENVELOPE_SEND},
    "workflows:envelope_detail": {GET: A.ENVELOPE_READ},
    "workflows:envelope_party_add": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_field_add": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_field_text": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_field_update": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_field_remove": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_party_remove": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_party_email": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_review": {GET: A.ENVELOPE_SEND},
    "workflows:envelope_send": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_cancel": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_remind": {POST: A.ENVELOPE_SEND},
    "workflows:envelope_final": {GET: A.ENVELOPE_READ},
    "workflows:envelope_certificate": {GET: A.ENVELOPE_READ},
    "workflows:inbox_list": {GET: A.INBOX_READ},
    "workflows:inbox_detail": {GET: A.INBOX_READ},
    "workflows:inbox_page_image": {GET: A.INBOX_READ},
    "workflows:inbox_seal": {POST: A.INBOX_ACT},
    "workflows:inbox_seal_code": {POST: A.INBOX_ACT},
    "workflows:inbox_job": {GET: A.INBOX_READ},
    "workflows:inbox_decline": {POST: A.INBOX_ACT},
    "workflows:inbox_reassign": {POST: A.INBOX_ACT},
    "workflows:inbox_document": {GET: A.INBOX_READ},
    "workflows:inbox_certificate": {GET: A.INBOX_READ},
    "seals:list": {GET: A.SEAL_READ},
    "seals:apply": {GET: A.SEAL_APPLY, POST: A.SEAL_APPLY},
    "seals:import": {GET: A.SEAL_APPLY, POST: A.SEAL_APPLY},
    "seals:hardware_key": {GET: A.SEAL_APPLY, POST: A.SEAL_APPLY},
    "seals:detail": {GET: A.SEAL_READ},
    "seals:certificate": {GET: A.SEAL_READ},
    "seals:national_seal": {GET: A.SEAL_READ},
    "seals:dual_signing": {POST: A.SEAL_MANAGE},
    "seals:password": {POST: A.SEAL_MANAGE},
    "seals:image": {GET: A.SEAL_READ},
    "seals:status": {POST: A.SEAL_MANAGE},
    "seals:authorisation_grant": {POST: A.SEAL_MANAGE},
    "seals:authorisation_revoke": {POST: A.SEAL_MANAGE},
    "documents:list": {GET: A.DOCUMENT_READ, POST: A.DOCUMENT_UPLOAD},
    "documents:detail": {GET: A.DOCUMENT_READ},
    "documents:delete": {POST: A.DOCUMENT_DELETE},
    "documents:active_content_remove": {POST: A.DOCUMENT_UPLOAD},
    "documents:download": {GET: A.DOCUMENT_READ},
    "documents:evidence_archive": {GET: A.EVIDENCE_READ},
    "documents:evidence_report": {GET: A.EVIDENCE_READ},
    "documents:viewing_pdf": {GET: A.DOCUMENT_READ},
    "documents:preview": {GET: A.DOCUMENT_READ},
    "documents:page_lines": {GET: A.DOCUMENT_READ},
    "documents:verify": {GET: A.DOCUMENT_READ},
    "documents:placement_add": {POST: A.DOCUMENT_PLACE},
    "documents:placement_text": {POST: A.DOCUMENT_PLACE},
    "documents:placement_cross_page": {POST: A.DOCUMENT_PLACE},
    "documents:placement_update": {POST: A.DOCUMENT_PLACE},
    "documents:placement_remove": {POST: A.DOCUMENT_PLACE},
    "documents:seal_code": {POST: A.DOCUMENT_SEAL},
    "documents:seal": {POST: A.DOCUMENT_SEAL},
    "documents:seal_session": {GET: A.DOCUMENT_SEAL},
    "documents:seal_session_status": {GET: A.DOCUMENT_SEAL},
    "documents:grant_status": {GET: A.DOCUMENT_READ},
    "api:verify": {POST: OPEN},
    "api:schema": {GET: OPEN},
    "api:docs": {GET: OPEN},
    "api:company_detail": {GET: A.COMPANY_READ},
    "api:api_keys_list": {GET: A.API_KEY_MANAGE, POST: A.API_KEY_MANAGE},
    "api:api_keys_revoke": {POST: A.API_KEY_MANAGE},
    "api:api_keys_rotate": {POST: A.API_KEY_MANAGE},
    "api:audit_events_list": {GET: A.AUDIT_READ},
    "api:members_list": {GET: A.MEMBER_READ},
    "api:members_detail": {PATCH: A.MEMBER_MANAGE, DELETE: A.MEMBER_MANAGE},
    "api:invitations_list": {GET: A.MEMBER_MANAGE, POST: A.MEMBER_MANAGE},
    "api:invitations_revoke": {POST: A.MEMBER_MANAGE},
    "api:seal_applications_list": {GET: A.SEAL_READ, POST: A.SEAL_APPLY},
    "api:seal_applications_detail": {GET: A.SEAL_READ},
    "api:documents_list": {GET: A.DOCUMENT_READ, POST: A.DOCUMENT_UPLOAD},
    "api:documents_detail": {GET: A.DOCUMENT_READ, DELETE: A.DOCUMENT_DELETE},
    "api:documents_active_content_remove": {POST: A.DOCUMENT_UPLOAD},
    "api:documents_download": {GET: A.DOCUMENT_READ},
    "api:documents_evidence_list": {GET: A.EVIDENCE_READ},
    "api:documents_evidence_archive": {GET: A.EVIDENCE_READ},
    "api:documents_evidence_report": {GET: A.EVIDENCE_READ},
    "api:placements": {POST: A.DOCUMENT_PLACE},
    "api:documents_page_preview": {GET: A.DOCUMENT_READ},
    "api:placements_detail": {PATCH: A.DOCUMENT_PLACE, DELETE: A.DOCUMENT_PLACE},
    "api:documents_seal": {POST: A.DOCUMENT_SEAL},
    "api:documents_seal_code": {POST: A.DOCUMENT_SEAL},
    "api:documents_job": {GET: A.DOCUMENT_READ},
    "api:documents_seal_sessions": {POST: A.DOCUMENT_SEAL},
    "api:documents_seal_sessions_detail": {GET: A.DOCUMENT_SEAL},
    "api:signing_sessions_agent": {GET: TOKEN},
    "api:signing_sessions_signature": {POST: TOKEN},
    "api:envelopes_list": {GET: A.ENVELOPE_READ, POST: A.ENVELOPE_SEND},
    "api:envelopes_detail": {GET: A.ENVELOPE_READ},
    "api:envelopes_parties": {POST: A.ENVELOPE_SEND},
    "api:envelopes_parties_detail": {PATCH: A.ENVELOPE_SEND},
    "api:envelopes_send": {POST: A.ENVELOPE_SEND},
    "api:envelopes_cancel": {POST: A.ENVELOPE_SEND},
    "api:envelopes_remind": {POST: A.ENVELOPE_SEND},
    "api:envelopes_final": {GET: A.ENVELOPE_READ},
    "api:envelopes_certificate": {GET: A.ENVELOPE_READ},
    "api:envelopes_events": {GET: A.ENVELOPE_READ},
    "api:webhooks_list": {GET: A.WEBHOOK_MANAGE, POST: A.WEBHOOK_MANAGE},
    "api:webhooks_detail": {GET: A.WEBHOOK_MANAGE, PATCH: A.WEBHOOK_MANAGE, DELETE: A.WEBHOOK_MANAGE},
    "api:webhooks_rotate_secret": {POST: A.WEBHOOK_MANAGE},
    "api:webhooks_test": {POST: A.WEBHOOK_MANAGE},
    "api:webhooks_deliveries": {GET: A.WEBHOOK_MANAGE},
    "api:webhooks_deliveries_resend": {POST: A.WEBHOOK_MANAGE},
    "api:inbox_list": {GET: A.INBOX_READ},
    "api:inbox_detail": {GET: A.INBOX_READ},
    "api:inbox_seal": {POST: A.INBOX_ACT},
    "api:inbox_decline": {POST: A.INBOX_ACT},
    "api:inbox_document": {GET: A.INBOX_READ},
    "api:inbox_job": {GET: A.INBOX_READ},
    "api:seal_use_requests_list": {GET: A.DOCUMENT_READ, POST: A.SEAL_USE_REQUEST},
    "api:seal_use_requests_detail": {GET: A.DOCUMENT_READ},
    "api:seal_use_requests_approve": {POST: A.SEAL_USE_APPROVE},
    "api:seal_use_requests_reject": {POST: A.SEAL_USE_APPROVE},
    "api:seal_use_requests_cancel": {POST: A.SEAL_USE_REQUEST},
    "api:seals_list": {GET: A.SEAL_READ},
    "api:seals_import": {POST: A.SEAL_APPLY},
    "api:seals_hardware_key": {POST: A.SEAL_APPLY},
    "api:seals_detail": {GET: A.SEAL_READ},
    "api:seals_certificate": {GET: A.SEAL_READ},
    "api:seals_image": {GET: A.SEAL_READ},
    "api:seals_status": {POST: A.SEAL_MANAGE},
}

# Platform host: no company's data, so no role decides; what matters is who is let in.
PLATFORM_ROUTES: dict[str, dict[str, str]] = {
    "home": {GET: OPEN},
    "healthz": {GET: OPEN},
    "verify": {GET: OPEN},
    "set_language": {POST: OPEN},
    **{
        f"accounts:{name}": {GET: OPEN}
        for name in (
            "login",
            "logout",
            "login_verify",
            "handoff",
            "register",
            "register_conflict",
            "account_recover",
            "account_recover_confirm",
            "email_verify",
            "password_reset",
            "password_reset_confirm",
        )
    },
    **{
        f"accounts:{name}": {GET: SIGNED_IN}
        for name in (
            "security",
            "authenticator_setup",
            "recovery_codes_regenerate",
        )
    },
    # Appeals are for people who cannot sign in (their ID number is taken); an appeal's
    # page is found by its unguessable id only.
    "accounts:identity_appeal_create": {GET: OPEN},
    "accounts:identity_appeal_detail": {GET: TOKEN},
    "company_create": {GET: SIGNED_IN},
    "company_open": {GET: SIGNED_IN},
    "invitation_accept": {GET: TOKEN},
    "pki:seal_ca_crl": {GET: OPEN},
    "pki:root_crl": {GET: OPEN},
    "pki:certificate": {GET: OPEN},
    # Protocol endpoints (RFC 3161, RFC 6960): anyone may ask, nobody is shown anything else.
    "pki:tsa": {POST: OPEN},
    "pki:ocsp": {POST: OPEN},
    "pki:ocsp_get": {GET: OPEN},
    **{
        name: {GET: TOKEN, POST: TOKEN}
        for name in (
            "sign",
            "sign_code_send",
            "sign_code_check",
            "sign_submit",
            "sign_decline",
            "sign_page",
            "sign_file",
            "sign_job",
        )
    },
    "api:verify": {POST: OPEN},
    "api:schema": {GET: OPEN},
    "api:docs": {GET: OPEN},
    "api:auth_register": {POST: OPEN},
    "api:auth_recovery": {POST: OPEN},
    "api:auth_session": {GET: OPEN},
    "api:me": {GET: SIGNED_IN},
    "api:me_authenticator": {GET: SIGNED_IN},
    "api:me_authenticator_confirm": {POST: SIGNED_IN},
    "api:companies_create": {POST: SIGNED_IN},
}

ACTORS = ("anonymous", *ROLES, "other_company_owner", "reviewer")
# Allowed: the role passed; the answer may still be about the input (400, 415) or state (409).
ALLOWED_STATUSES = {200, 201, 202, 204, 302, 303, 400, 409, 410, 415, 422}
# Routes whose object does not exist yet in the fixture for anyone (a file made on
# completion, a job or session id of another kind): an allowed role gets 404 there.
NOT_THERE_YET = {
    # The matrix's document was never sealed: it has no evidence package to download.
    "documents:evidence_archive",
    "documents:evidence_report",
    "api:documents_evidence_archive",
    "api:documents_evidence_report",
    "workflows:envelope_final",
    "workflows:envelope_certificate",
    "workflows:inbox_certificate",
    "workflows:inbox_job",
    "documents:seal_session",
    "documents:seal_session_status",
    "api:envelopes_final",
    "api:envelopes_certificate",
    "api:inbox_job",
    "api:documents_seal_sessions_detail",
}
# Only the requester withdraws a seal-use request (a rule of the object, not of the role).
REQUESTER_ONLY = {"workflows:seal_use_request_cancel", "api:seal_use_requests_cancel"}
QUERIES = {"workflows:envelope_create": "?document={document_id}"}


@dataclass(frozen=True)
class Route:
    name: str
    params: tuple[str, ...]


def walk(patterns, namespace: str = "") -> list[Route]:
    routes = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            routes += [
                Route(route.name, tuple(dict.fromkeys((*entry.pattern.regex.groupindex, *route.params))))
                for route in walk(entry.url_patterns, inner)
            ]
        elif isinstance(entry, URLPattern):
            if not entry.name and namespace == "admin:":
                continue  # the admin's own unnamed redirects to its named pages
            assert entry.name, f"unnamed URL pattern {entry.pattern}: name it so the matrix can reach it"
            routes.append(Route(f"{namespace}{entry.name}", tuple(entry.pattern.regex.groupindex)))
    return routes


def company_routes() -> list[Route]:
    return walk(get_resolver("config.urls_tenants").url_patterns)


def platform_routes() -> list[Route]:
    return walk(get_resolver("config.urls_public").url_patterns)


# Tables whose rows a refused request must leave as they were (the refusal's own audit
# row aside). Whole rows are compared.
WATCHED_PUBLIC = (
    "accounts.Membership",
    "accounts.Invitation",
    "tenants.ApiKey",
    "tenants.EnvelopeRoute",
    "seals.Seal",
    "seals.SealApplication",
    "seals.SealAuthorisation",
    "seals.SealStatusChange",
)
WATCHED_COMPANY = (
    "documents.Document",
    "documents.DocumentVersion",
    "documents.Placement",
    "documents.SigningGrant",
    "documents.SigningSession",
    "documents.SealUseRequest",
    "workflows.Envelope",
    "workflows.Party",
    "workflows.EnvelopeField",
    "workflows.EnvelopeEvent",
    "events.WebhookEndpoint",
    "events.WebhookDelivery",
)


def _rows(label: str) -> list:
    model = apps.get_model(label)
    fields = [field.attname for field in model._meta.concrete_fields]
    return sorted(repr(row) for row in model.objects.values_list(*fields))


def state(company: Company) -> str:
    digest = hashlib.sha256()
    for label in WATCHED_PUBLIC:
        digest.update(repr(_rows(label)).encode())
    with tenant_context(company):
        for label in WATCHED_COMPANY:
            digest.update(repr(_rows(label)).encode())
        digest.update(repr(_rows_of_audit()).encode())
    return digest.hexdigest()


def _rows_of_audit() -> list:
    return sorted(str(pk) for pk in AuditEvent.objects.exclude(action="authority.refused").values_list("pk", flat=True))


def refusals(company: Company, user: User) -> int:
    with tenant_context(company):
        return AuditEvent.objects.filter(action="authority.refused", actor_user_id=user.pk).count()


@pytest.fixture
def matrix(world):
    """Alpha with one of everything, and a person in every role."""
    Company.objects.filter(pk=world.alpha.pk).update(uscc=uscc_for(11))
    world.alpha.refresh_from_db()
    alpha, alice = world.alpha, world.alice
    owner = signatory("alpha", "Alpha Ltd", 11, existing=alpha, user=alice)
    people = {"owner": alice, "member": world.bob}
    for role in ("admin", "seal_keeper", "auditor"):
        people[role] = User.objects.create_user(f"{role}@alpha.example", PASSWORD, full_name=role.title())
        Membership.objects.create(user=people[role], company=alpha, role=role)
    dora = User.objects.create_user("dora@alpha.example", PASSWORD, full_name="Dora")
    dora_membership = Membership.objects.create(user=dora, company=alpha, role=Membership.Role.MEMBER)
    people["other_company_owner"] = world.charlie
    people["reviewer"] = User.objects.create_user("reviewer@sealhub.example", PASSWORD, is_staff=True)
    alice_membership = Membership.objects.get(user=alice, company=alpha)
    invitation = invitation_create(
        company=alpha,
        acting_membership=alice_membership,
        email="eve@alpha.example",
        role=Membership.Role.MEMBER,
    )
    with tenant_context(alpha):
        api_key, _raw = api_key_create(company=alpha, name="ERP", scopes=["admin"], acting_user=alice)
        document = document_upload(name="contract.pdf", data=make_pdf(2), acting_user=alice)
        placement = placement_add(
            document=document, company=alpha, seal_id=owner.seal.pk, page=0, x=380, y=80, acting_user=alice
        )
        grant = document_seal_request(
            document=document,
            company=alpha,
            seal_id=owner.seal.pk,
            user=alice,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(owner.device, 1),
        )
        use_request = seal_use_request_create(
            document=document, company=alpha, seal_id=owner.seal.pk, requester=world.bob, reason="Invoice run"
        )
    authorisation = seal_authorisation_grant(seal=owner.seal, user=dora, acting_membership=alice_membership)
    seal_authorisation_grant(seal=owner.seal, user=world.bob, acting_membership=alice_membership)
    with tenant_context(alpha):
        envelope = envelope_create(document=document, name="Supply contract", acting_user=alice)
        party = envelope_party_add(
            envelope=envelope, kind="company", email=alice.email, uscc=alpha.uscc, order=1, acting_user=alice
        )
        field = envelope_field_add(party=party, page=1, x=100, y=80, acting_user=alice)
        envelope_send(envelope=envelope, owner=alpha, acting_user=alice)
    route = EnvelopeRoute.objects.get(party_company=alpha)
    with tenant_context(alpha):
        endpoint, _secret = webhook_endpoint_create(
            url="http://127.0.0.1:9/hook", events=["seal.revoked"], description="ERP", acting_user=alice
        )
        delivery = webhook_test_send(endpoint=endpoint)
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
        "application_id": SealApplication.objects.get(company=alpha).pk,
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
        "session_id": uuid.uuid4(),
        "appeal_id": uuid.uuid4(),
        "token": "not-a-real-token",
        "slug": alpha.slug,
        "role": "seal-ca",
        "encoded": "MAA=",  # a base64 OCSP request (malformed: an empty SEQUENCE)
        "app_label": "accounts",
        "object_id": uuid.uuid4(),
        "content_type_id": 1,
        "id": 1,
    }
    return alpha, people, ids


def _client(actor: str, people: dict, host_company: Company | None):
    if actor == "anonymous":
        client = client_on(host_company, HTTP_ACCEPT_LANGUAGE="en")
    elif actor == "reviewer":
        client = verified_client_on(host_company, people["reviewer"], HTTP_ACCEPT_LANGUAGE="en")
    else:
        client = client_on(host_company, people[actor], HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False  # a server error is one of the problems listed
    return client


def _request(client, method: str, url: str):
    body = json.dumps({}) if url.startswith("/api/") and method != GET else {}
    kwargs = {"content_type": "application/json"} if url.startswith("/api/") and method != GET else {}
    response = getattr(client, method.lower())(url, body, **kwargs) if method != GET else client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    return response


def _expected(kind, actor: str, api: bool) -> str:
    if kind in (OPEN,):
        return "answers"
    if kind == TOKEN:
        return "refused"
    if actor == "anonymous":
        return "unauthenticated"
    if actor in ("other_company_owner", "reviewer"):
        return "not_found"
    return "allowed" if role_may(actor, kind) else "forbidden"


def test_every_route_is_in_the_table():
    company = {route.name for route in company_routes()}
    platform = {route.name for route in platform_routes() if not route.name.startswith("admin:")}
    assert company - set(COMPANY_ROUTES) == set(), "classify these company routes in COMPANY_ROUTES"
    assert set(COMPANY_ROUTES) - company == set(), "routes in the table that no longer exist"
    assert platform - set(PLATFORM_ROUTES) == set(), "classify these platform routes in PLATFORM_ROUTES"
    assert set(PLATFORM_ROUTES) - platform == set(), "routes in the table that no longer exist"


def test_the_roles_are_the_tables_roles():
    assert set(Membership.Role.values) == set(ROLES)


@pytest.mark.parametrize("actor", ACTORS)
def test_company_routes(matrix, actor):
    alpha, people, ids = matrix
    client = _client(actor, people, alpha)
    user = people.get(actor)
    cache.clear()  # throttles and lockouts from earlier requests
    baseline = state(alpha)  # every request is rolled back, so this is the state before each
    problems = []
    for route in company_routes():
        url = reverse(route.name, urlconf="config.urls_tenants", kwargs={p: ids[p] for p in route.params})
        url += QUERIES.get(route.name, "").format(**ids)
        api = url.startswith("/api/")
        for method, kind in COMPANY_ROUTES[route.name].items():
            expected = _expected(kind, actor, api)
            allowed_statuses = ALLOWED_STATUSES | ({404} if route.name in NOT_THERE_YET else set())
            if expected == "allowed" and route.name in REQUESTER_ONLY and user != people["member"]:
                allowed_statuses = {302, 403}
            with transaction.atomic():
                response = _request(client, method, url)
                status = response.status_code
                where = f"{actor} {method} {url} ({route.name}) → {status}"
                if status >= 500 and not (route.name.endswith("healthz") and status == 503):
                    problems.append(f"{where}: server error")
                elif expected == "allowed" and status not in allowed_statuses:
                    problems.append(f"{where}: expected allowed")
                elif expected == "forbidden":
                    if status != 403:
                        problems.append(f"{where}: expected 403")
                    elif refusals(alpha, user) != 1:  # earlier requests' rows were rolled back
                        problems.append(f"{where}: no audit row of the refusal")
                elif expected == "not_found" and status != 404:
                    problems.append(f"{where}: expected 404")
                elif expected == "unauthenticated" and status not in ({401} if api else {302}):
                    problems.append(f"{where}: expected {'401' if api else 'a redirect to sign in'}")
                elif expected == "refused" and status not in {400, 401, 403, 404, 405, 410}:
                    problems.append(f"{where}: expected a refusal")
                if expected not in ("allowed", "answers") and state(alpha) != baseline:
                    problems.append(f"{where}: a refused request changed data")
                transaction.set_rollback(True)
    assert problems == [], "\n".join(problems)


def _platform_url(route: Route, ids: dict) -> str:
    """The admin's own parameters (object ids, app labels, names) get a made-up value."""
    for made_up in ("1", str(uuid.uuid4())):
        kwargs = {p: ids.get(p, made_up) if route.name.startswith("admin:") else ids[p] for p in route.params}
        try:
            return reverse(route.name, urlconf="config.urls_public", kwargs=kwargs)
        except NoReverseMatch:
            continue
    raise AssertionError(f"no URL for {route.name}: add its parameters to the matrix")


@pytest.mark.parametrize("actor", ACTORS)
def test_platform_routes(matrix, actor):
    alpha, people, ids = matrix
    client = _client(actor, people, None)
    cache.clear()
    baseline = state(alpha)
    problems = []
    for route in platform_routes():
        url = _platform_url(route, ids)
        api = url.startswith("/api/")
        methods = {GET: REVIEWER} if route.name.startswith("admin:") else PLATFORM_ROUTES[route.name]
        for method, kind in methods.items():
            with transaction.atomic():
                response = _request(client, method, url)
                status = response.status_code
                where = f"{actor} {method} {url} ({route.name}) → {status}"
                if status >= 500 and not (route.name == "healthz" and status == 503):
                    problems.append(f"{where}: server error")
                elif kind == SIGNED_IN and actor == "anonymous" and status not in ({401, 403} if api else {302}):
                    problems.append(f"{where}: expected to be sent to sign in")
                elif kind == TOKEN and status not in {302, 400, 401, 403, 404, 405, 410}:
                    problems.append(f"{where}: a made-up token was accepted")
                elif kind == REVIEWER and actor != "reviewer" and status not in {302, 403, 404}:
                    problems.append(f"{where}: the admin let a non-reviewer in")
                elif kind == REVIEWER and actor == "reviewer" and route.name == "admin:index" and status != 200:
                    problems.append(f"{where}: the reviewer could not open the admin")
                if kind in (TOKEN, REVIEWER) and actor != "reviewer" and state(alpha) != baseline:
                    problems.append(f"{where}: a refused request changed data")
                transaction.set_rollback(True)
    assert problems == [], "\n".join(problems)
