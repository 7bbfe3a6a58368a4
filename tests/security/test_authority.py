"""Finding 7 of issue 17: a plain member declined an envelope for the company and changed a
seal's password. The authority table refuses both, in the browser and through the API,
changes nothing and leaves an audit row of the refusal."""

from __future__ import annotations

import json

import pytest
from django_tenants.utils import tenant_context

from accounts.authority import AUDITOR, AUTHORITY, Action, role_may
from events.models import AuditEvent
from seals.models import Seal
from tenants.models import EnvelopeRoute
from tests.conftest import client_on
from tests.security.test_authority_matrix import matrix  # noqa: F401 (the fixture)
from workflows.models import Party

pytestmark = pytest.mark.django_db


def _refusals(company, user, action: Action) -> list[AuditEvent]:
    with tenant_context(company):
        return list(AuditEvent.objects.filter(action="authority.refused", actor_user_id=user.pk, data__action=action))


def test_a_member_cannot_decline_an_envelope_for_the_company(matrix):  # noqa: F811
    alpha, people, ids = matrix
    bob = client_on(alpha, people["member"], HTTP_ACCEPT_LANGUAGE="en")
    owner = client_on(alpha, people["owner"], HTTP_ACCEPT_LANGUAGE="en")
    assert 'id="decline-form"' in owner.get(f"/envelopes/inbox/{ids['route_id']}/").content.decode()
    assert 'id="decline-form"' not in bob.get(f"/envelopes/inbox/{ids['route_id']}/").content.decode()
    page = bob.post(f"/envelopes/inbox/{ids['route_id']}/decline/", {"reason": "Not today"})
    assert page.status_code == 403
    assert "does not allow this: seal, decline or reassign envelopes for the company" in page.content.decode()
    api = bob.post(
        f"/api/v1/inbox/{ids['route_id']}/decline/",
        json.dumps({"reason": "Not today"}),
        content_type="application/json",
    )
    assert api.status_code == 403 and api.json()["type"] == "role_forbids"
    assert EnvelopeRoute.objects.get(pk=ids["route_id"]).status == EnvelopeRoute.Status.ACTIVE
    with tenant_context(alpha):
        assert not Party.objects.filter(status="declined").exists()
    assert len(_refusals(alpha, people["member"], Action.INBOX_ACT)) == 2


def test_a_member_cannot_change_a_seals_password(matrix):  # noqa: F811
    alpha, people, ids = matrix
    seal = Seal.objects.get(pk=ids["seal_id"])
    before = bytes(seal.wrapped_data_key)
    bob = client_on(alpha, people["member"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert f"/seals/{seal.pk}/password/" not in bob.get(f"/seals/{seal.pk}/").content.decode()
    response = bob.post(
        f"/seals/{seal.pk}/password/",
        {"old_password": "Seal-pass-2026", "new_password": "Other-pass-2027", "new_password_again": "Other-pass-2027"},
    )
    assert response.status_code == 403
    assert "不允许此操作：管理印章和印章密码" in response.content.decode()
    seal.refresh_from_db()
    assert bytes(seal.wrapped_data_key) == before
    [refusal] = _refusals(alpha, people["member"], Action.SEAL_MANAGE)
    assert refusal.data == {"action": "seal.manage", "role": "member", "reason": "role_forbids"}


def test_the_auditor_reads_and_writes_nothing():
    assert {Action.DOCUMENT_READ, Action.ENVELOPE_READ, Action.AUDIT_READ} <= AUTHORITY[AUDITOR]
    reads = {Action.COMPANY_READ, Action.DOCUMENT_READ, Action.ENVELOPE_READ, Action.INBOX_READ, Action.SEAL_READ}
    reads |= {Action.MEMBER_READ, Action.AUDIT_READ, Action.SEAL_USE_READ_ALL, Action.EVIDENCE_READ}
    writes = set(Action) - reads
    assert [action for action in writes if role_may(AUDITOR, action)] == []
