"""Seal-use approval (用印审批): a member without rights on a seal asks, a seal manager
decides, and only then can the member seal — once per allowed use."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature

from accounts.models import Membership
from config.errors import ApplicationError
from documents.models import SealUseRequest, SigningGrant
from documents.services.approvals import seal_use_request_approve, seal_use_request_create
from documents.services.placements import placement_add
from documents.services.sealing import document_seal_execute, document_seal_request
from documents.services.versions import document_upload
from events.models import AuditEvent
from seals.services import seal_application_approve, seal_application_submit
from tests.conftest import client_on, enrol_authenticator, totp_now
from tests.documents.pdfs import covers_whole_file, make_pdf
from tests.documents.test_sealing import _validation_context
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db

SEAL_PASSWORD = "Seal-pass-2026"


@pytest.fixture
def seal(approved_alpha, world):
    application = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha Ltd",
        seal_password=SEAL_PASSWORD,
        business_licence=licence(),
    )
    return seal_application_approve(application=application, acting_user=world.alice)


def _document_placed_by_bob(world, seal, name="contract.pdf", x=380):
    with tenant_context(world.alpha):
        document = document_upload(name=name, data=make_pdf(1), acting_user=world.bob)
        placement_add(document=document, company=world.alpha, seal_id=seal.pk, page=0, x=x, y=80, acting_user=world.bob)
    return document


def _json_post(client, path, data):
    return client.post(path, json.dumps(data), content_type="application/json")


def _seal_by_api(client, document, seal, code):
    form = {"seal_id": str(seal.pk), "seal_password": SEAL_PASSWORD, "otp_method": "authenticator", "otp_code": code}
    return _json_post(client, f"/api/v1/documents/{document.pk}/seal/", form)


def _ask(world, document, seal, reason="Sign the supply contract"):
    with tenant_context(world.alpha):
        return seal_use_request_create(
            document=document, company=world.alpha, seal_id=seal.pk, requester=world.bob, reason=reason
        )


def _alice_membership(world):
    return Membership.objects.select_related("user").get(user=world.alice, company=world.alpha)


def _approve(world, use_request, **limits):
    with tenant_context(world.alpha):
        return seal_use_request_approve(use_request=use_request, acting_membership=_alice_membership(world), **limits)


def _bob_seals(world, document, seal, device):
    with tenant_context(world.alpha):
        return document_seal_request(
            document=document,
            company=world.alpha,
            seal_id=seal.pk,
            user=world.bob,
            seal_password=SEAL_PASSWORD,
            otp_method="authenticator",
            otp_code=totp_now(device, 1),
        )


def test_rejected_then_approved_then_sealed_once(world, seal):
    device, _codes = enrol_authenticator(world.bob)
    document = _document_placed_by_bob(world, seal)
    bob = client_on(world.alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en")
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")

    refused = _seal_by_api(bob, document, seal, totp_now(device))
    assert refused.status_code == 403 and refused.json()["type"] == "seal_not_authorised"
    page = bob.get(f"/documents/{document.pk}/").content.decode()
    assert "Request seal use" in page and 'id="seal-form"' not in page

    asked = _json_post(
        bob,
        "/api/v1/seal_use_requests/",
        {"document_id": str(document.pk), "seal_id": str(seal.pk), "reason": "Supply contract with Beta"},
    )
    assert asked.status_code == 201, asked.content
    with tenant_context(world.alpha):
        first = SealUseRequest.objects.get(pk=asked.json()["id"])
    assert first.status == "pending" and first.placements[0]["x"] == 380
    queue = alice.get("/approvals/").content.decode()
    assert "Supply contract with Beta" in queue and "contract.pdf" in queue
    detail = alice.get(f"/approvals/{first.pk}/").content.decode()
    assert f"/documents/{document.pk}/v1/pages/0.png?w=900" in detail and 'class="placed static"' in detail

    mail.outbox.clear()
    rejected = alice.post(f"/approvals/{first.pk}/reject/", {"reason": "Wrong counterparty"})
    assert rejected.status_code == 302
    with tenant_context(world.alpha):
        first.refresh_from_db()
    assert first.status == "rejected" and first.decision_reason == "Wrong counterparty"
    assert first.decided_by_label == str(world.alice)
    [notice] = [message for message in mail.outbox if world.bob.email in message.to]
    assert "Wrong counterparty" in notice.body
    again = _seal_by_api(bob, document, seal, totp_now(device))
    assert again.status_code == 403 and again.json()["type"] == "seal_not_authorised"

    asked = _json_post(
        bob,
        "/api/v1/seal_use_requests/",
        {"document_id": str(document.pk), "seal_id": str(seal.pk), "reason": "Corrected counterparty"},
    )
    assert asked.status_code == 201
    twice = _json_post(
        bob,
        "/api/v1/seal_use_requests/",
        {"document_id": str(document.pk), "seal_id": str(seal.pk), "reason": "Again"},
    )
    assert twice.status_code == 409 and twice.json()["type"] == "request_pending"
    second_id = asked.json()["id"]
    approved = _json_post(alice, f"/api/v1/seal_use_requests/{second_id}/approve/", {"uses_allowed": 1})
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "approved" and approved.json()["document_only"] is True
    assert any(world.bob.email in message.to and "approved" in message.body for message in mail.outbox)

    sealed = _seal_by_api(bob, document, seal, totp_now(device, 1))
    assert sealed.status_code == 202, sealed.content
    with tenant_context(world.alpha):
        grant = SigningGrant.objects.get()
        second = SealUseRequest.objects.get(pk=second_id)
    assert grant.user_id == world.bob.pk and grant.evidence["approval"] == second_id
    assert second.status == "used_up" and second.uses_count == 1
    with tenant_context(world.alpha):
        version = document_seal_execute(grant_id=grant.pk)
        with version.file.open("rb") as handle:
            signed = handle.read()
    status = validate_pdf_signature(PdfFileReader(io.BytesIO(signed)).embedded_signatures[0], _validation_context())
    assert status.intact and status.valid and status.trusted
    assert covers_whole_file(status)

    with tenant_context(world.alpha):
        placement_add(
            document=document, company=world.alpha, seal_id=seal.pk, page=0, x=300, y=300, acting_user=world.bob
        )
    used_up = _seal_by_api(bob, document, seal, totp_now(device, 1))
    assert used_up.status_code == 403 and used_up.json()["type"] == "seal_not_authorised"
    with tenant_context(world.alpha):
        assert SigningGrant.objects.count() == 1
        events = AuditEvent.objects.filter(action__startswith="seal_use.").order_by("occurred_at")
        actions = list(events.values_list("action", flat=True))
    assert actions == [
        "seal_use.requested",
        "seal_use.rejected",
        "seal_use.requested",
        "seal_use.approved",
        "seal_use.used",
    ]


def test_requests_are_refused_when_not_needed_or_nothing_is_placed(world, seal):
    with tenant_context(world.alpha):
        empty = document_upload(name="empty.pdf", data=make_pdf(1), acting_user=world.bob)
    with pytest.raises(ApplicationError) as error:
        _ask(world, empty, seal)
    assert error.value.code == "no_placements"
    document = _document_placed_by_bob(world, seal)
    with tenant_context(world.alpha), pytest.raises(ApplicationError) as error:
        seal_use_request_create(
            document=document, company=world.alpha, seal_id=seal.pk, requester=world.alice, reason="Mine"
        )
    assert error.value.code == "approval_not_needed"
    with tenant_context(world.alpha):
        assert not SealUseRequest.objects.exists()


def test_bob_cannot_decide(world, seal):
    use_request = _ask(world, _document_placed_by_bob(world, seal), seal)
    bob = client_on(world.alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en")
    response = _json_post(bob, f"/api/v1/seal_use_requests/{use_request.pk}/approve/", {})
    assert response.status_code == 403 and response.json()["type"] == "role_forbids"
    page = bob.post(f"/approvals/{use_request.pk}/approve/", {"uses_allowed": 1, "document_only": "on"})
    assert page.status_code == 403
    assert "Approve" not in bob.get(f"/approvals/{use_request.pk}/").content.decode().split("</dl>")[1]
    with tenant_context(world.alpha):
        use_request.refresh_from_db()
    assert use_request.status == "pending" and use_request.decided_at is None


def test_charlie_gets_404_and_nothing_changes(world, seal):
    use_request = _ask(world, _document_placed_by_bob(world, seal), seal)
    for host in (world.alpha, world.beta):
        charlie = client_on(host, world.charlie)
        assert charlie.get(f"/api/v1/seal_use_requests/{use_request.pk}/").status_code == 404
        assert _json_post(charlie, f"/api/v1/seal_use_requests/{use_request.pk}/approve/", {}).status_code == 404
        assert charlie.post(f"/approvals/{use_request.pk}/reject/", {"reason": "no"}).status_code == 404
        assert charlie.get(f"/approvals/{use_request.pk}/").status_code == 404
    assert client_on(world.beta, world.charlie).get("/api/v1/seal_use_requests/").json()["results"] == []
    with tenant_context(world.alpha):
        use_request.refresh_from_db()
        assert use_request.status == "pending" and use_request.decided_at is None
        assert not AuditEvent.objects.filter(action__in=["seal_use.approved", "seal_use.rejected"]).exists()


def test_expired_approval_is_refused(world, seal):
    device, _codes = enrol_authenticator(world.bob)
    document = _document_placed_by_bob(world, seal)
    use_request = _approve(world, _ask(world, document, seal), valid_until=timezone.now() + timedelta(days=1))
    with tenant_context(world.alpha):
        SealUseRequest.objects.filter(pk=use_request.pk).update(valid_until=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ApplicationError) as error:
        _bob_seals(world, document, seal, device)
    assert error.value.code == "seal_not_authorised"
    body = client_on(world.alpha, world.bob).get(f"/api/v1/seal_use_requests/{use_request.pk}/").json()
    assert body["status"] == "expired"
    with tenant_context(world.alpha):
        assert not SigningGrant.objects.exists()
        assert SealUseRequest.objects.get(pk=use_request.pk).uses_count == 0


def test_approval_for_one_document_does_not_seal_another(world, seal):
    device, _codes = enrol_authenticator(world.bob)
    first = _document_placed_by_bob(world, seal)
    _approve(world, _ask(world, first, seal), uses_allowed=5)
    other = _document_placed_by_bob(world, seal, name="other.pdf")
    with pytest.raises(ApplicationError) as error:
        _bob_seals(world, other, seal, device)
    assert error.value.code == "seal_not_authorised"
    with tenant_context(world.alpha):
        assert not SigningGrant.objects.exists()


def test_company_wide_approval_seals_another_document(world, seal):
    device, _codes = enrol_authenticator(world.bob)
    first = _document_placed_by_bob(world, seal)
    use_request = _approve(world, _ask(world, first, seal), document_only=False, uses_allowed=2)
    other = _document_placed_by_bob(world, seal, name="other.pdf", x=100)
    grant = _bob_seals(world, other, seal, device)
    with tenant_context(world.alpha):
        assert grant.document_id == other.pk
        use_request.refresh_from_db()
        assert use_request.status == "approved" and use_request.uses_left == 1


def test_seal_moved_after_approval_needs_a_new_request(world, seal):
    device, _codes = enrol_authenticator(world.bob)
    document = _document_placed_by_bob(world, seal)
    _approve(world, _ask(world, document, seal))
    with tenant_context(world.alpha):
        document.placements.update(x=100)
    with pytest.raises(ApplicationError) as error:
        _bob_seals(world, document, seal, device)
    assert error.value.code == "placements_not_approved"
    with tenant_context(world.alpha):
        assert not SigningGrant.objects.exists()
        assert SealUseRequest.objects.get().uses_count == 0


def test_reject_needs_a_reason(world, seal):
    use_request = _ask(world, _document_placed_by_bob(world, seal), seal)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = alice.post(f"/approvals/{use_request.pk}/reject/", {"reason": "  "})
    assert page.status_code == 400 and "This field is required." in page.content.decode()
    api = _json_post(alice, f"/api/v1/seal_use_requests/{use_request.pk}/reject/", {"reason": ""})
    assert api.status_code == 400 and set(api.json()["errors"]) == {"reason"}
    with tenant_context(world.alpha):
        use_request.refresh_from_db()
        assert use_request.status == "pending"


def test_request_and_approve_in_the_browser(world, seal):
    document = _document_placed_by_bob(world, seal)
    bob = client_on(world.alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en")
    response = bob.post(f"/documents/{document.pk}/seal-use-requests/", {"seal": seal.pk, "reason": "Quarterly report"})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        use_request = SealUseRequest.objects.get()
    assert "Waiting for the seal keeper" in bob.get(f"/documents/{document.pk}/").content.decode()
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    until = (timezone.localdate() + timedelta(days=7)).isoformat()
    response = alice.post(f"/approvals/{use_request.pk}/approve/", {"uses_allowed": 2, "valid_until": until})
    assert response.status_code == 302
    with tenant_context(world.alpha):
        use_request.refresh_from_db()
    assert use_request.status == "approved" and use_request.uses_allowed == 2
    assert use_request.document_only is False  # the box was left unticked
    assert timezone.localtime(use_request.valid_until).date().isoformat() == until
    page = bob.get(f"/documents/{document.pk}/").content.decode()
    assert 'id="seal-form"' in page and "Approved" in page
    cancel = bob.post(f"/approvals/{use_request.pk}/cancel/")
    assert cancel.status_code == 302
    with tenant_context(world.alpha):
        assert SealUseRequest.objects.get().status == "canceled"


def test_list_query_count_is_fixed(world, seal, django_assert_num_queries):
    for index in range(3):
        _ask(world, _document_placed_by_bob(world, seal, name=f"c{index}.pdf"), seal)
    client = client_on(world.alpha, world.alice)
    client.get("/api/v1/seal_use_requests/")  # warm caches (content types, session)
    # search_path public, domain+company, search_path tenant, session, user, membership, requests
    with django_assert_num_queries(7):
        response = client.get("/api/v1/seal_use_requests/")
    assert len(response.json()["results"]) == 3
    own = client_on(world.alpha, world.bob).get("/api/v1/seal_use_requests/?status=pending").json()["results"]
    assert len(own) == 3


def test_pages_in_chinese_by_default_and_english(world, seal):
    use_request = _ask(world, _document_placed_by_bob(world, seal), seal)
    chinese = client_on(world.alpha, world.alice)
    assert "用印审批" in chinese.get("/approvals/").content.decode()
    assert "驳回" in chinese.get(f"/approvals/{use_request.pk}/").content.decode()
    english = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert "Seal-use approvals" in english.get("/approvals/").content.decode()
    assert "Reject" in english.get(f"/approvals/{use_request.pk}/").content.decode()


def test_approval_limits_are_checked(world, seal):
    use_request = _ask(world, _document_placed_by_bob(world, seal), seal)
    alice = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = _json_post(alice, f"/api/v1/seal_use_requests/{use_request.pk}/approve/", {"valid_until": past})
    assert response.status_code == 400 and response.json()["type"] == "valid_until_past"
    response = _json_post(alice, f"/api/v1/seal_use_requests/{use_request.pk}/approve/", {"uses_allowed": 0})
    assert response.status_code == 400 and set(response.json()["errors"]) == {"uses_allowed"}
    with tenant_context(world.alpha):
        use_request.refresh_from_db()
        assert use_request.status == "pending"
        assert not AuditEvent.objects.filter(action="seal_use.approved").exists()
