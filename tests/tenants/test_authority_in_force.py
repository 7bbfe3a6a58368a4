"""What a member set in motion runs on their authority as it is now. An API key acts with its
creator's current role: demoted, the key loses what the new role may not do; removed or
frozen, it stops with a reason. An invitation grants a role only if its sender still may."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tenants.utils import tenant_context

from accounts.authority import AuthorityRefused
from accounts.models import Membership
from documents.models import Document
from documents.services.versions import document_upload
from events.models import AuditEvent, WebhookEndpoint
from tenants.models import ApiKey
from tenants.services import api_key_create, api_key_scopes_allowed
from tests.conftest import client_on
from tests.documents.pdfs import make_pdf

pytestmark = pytest.mark.django_db

HOOK = json.dumps({"url": "http://127.0.0.1:9/hook", "events": ["envelope.completed"]})


def _bob_admin_key(world, scopes=("admin",)):
    """Bob, made an administrator, creates a key; then the owner changes his standing."""
    Membership.objects.filter(user=world.bob, company=world.alpha).update(role=Membership.Role.ADMIN)
    with tenant_context(world.alpha):
        api_key, raw = api_key_create(company=world.alpha, name="bob's ERP", scopes=list(scopes), acting_user=world.bob)
        document = document_upload(name="lease.pdf", data=make_pdf(1), acting_user=world.alice)
    api = client_on(world.alpha, HTTP_AUTHORIZATION=f"Api-Key {raw}", HTTP_ACCEPT_LANGUAGE="en")
    return api_key, api, document


def _bob_membership(world) -> Membership:
    return Membership.objects.get(user=world.bob, company=world.alpha)


def _counts(world) -> tuple[int, int, int, int]:
    with tenant_context(world.alpha):
        return (
            ApiKey.objects.filter(company=world.alpha).count(),
            WebhookEndpoint.objects.count(),
            Document.objects.count(),
            AuditEvent.objects.filter(action__in=["api_key.created", "webhook.created", "document.uploaded"]).count(),
        )


def _admin_areas(api, document):
    return {
        "api_keys create": api.post(
            "/api/v1/api_keys/", {"name": "escalate", "scopes": ["admin"]}, content_type="application/json"
        ),
        "api_keys list": api.get("/api/v1/api_keys/"),
        "webhooks create": api.post("/api/v1/webhooks/", HOOK, content_type="application/json"),
        "audit trail": api.get("/api/v1/audit_events/"),
        "invitations create": api.post(
            "/api/v1/invitations/", {"email": "x@example.com", "role": "admin"}, content_type="application/json"
        ),
    }


def _all_areas(api, document):
    return {
        **_admin_areas(api, document),
        "documents list": api.get("/api/v1/documents/"),
        "documents download": api.get(f"/api/v1/documents/{document.pk}/versions/1/download/"),
        "documents upload": api.post("/api/v1/documents/", {"file": SimpleUploadedFile("new.pdf", make_pdf(1))}),
        "members": api.get("/api/v1/members/"),
        "company": api.get("/api/v1/company/"),
    }


def test_a_demoted_creators_key_loses_administration_at_once(world):
    _api_key, api, document = _bob_admin_key(world)
    assert api.get("/api/v1/audit_events/").status_code == 200  # while Bob administers
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert owner.post(f"/members/{_bob_membership(world).pk}/role/", {"role": "member"}).status_code == 302
    before = _counts(world)

    for area, response in _admin_areas(api, document).items():
        assert response.status_code == 403, area
        assert response.json()["type"] == "role_forbids", area
        assert "Your role (Member) does not allow this" in response.json()["detail"], area
    assert _counts(world) == before
    # What a member may do, the key still does.
    assert api.get("/api/v1/documents/").status_code == 200
    assert api.get(f"/api/v1/documents/{document.pk}/versions/1/download/").status_code == 200


def test_a_removed_creators_key_stops_everywhere_with_a_reason(world):
    _api_key, api, document = _bob_admin_key(world)
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    assert owner.post(f"/members/{_bob_membership(world).pk}/remove/").status_code == 302
    before = _counts(world)

    for area, response in _all_areas(api, document).items():
        assert response.status_code == 401, area
        assert response.json()["type"] == "api_key_creator_not_member", area
        assert "no longer a member" in response.json()["detail"], area
    assert _counts(world) == before


def test_a_frozen_creators_key_stops_with_a_reason(world):
    _api_key, api, document = _bob_admin_key(world)
    world.bob.frozen_at = timezone.now()
    world.bob.is_active = False
    world.bob.save(update_fields=["frozen_at", "is_active"])
    before = _counts(world)

    for area, response in _all_areas(api, document).items():
        assert response.status_code == 401, area
        assert response.json()["type"] == "api_key_creator_frozen", area
        assert "frozen" in response.json()["detail"], area
    assert _counts(world) == before


def test_invited_back_the_creator_does_not_revive_an_old_key(world):
    _api_key, api, document = _bob_admin_key(world)
    membership = _bob_membership(world)
    membership.delete()
    Membership.objects.create(user=world.bob, company=world.alpha, role=Membership.Role.ADMIN)
    response = api.get("/api/v1/company/")
    assert response.status_code == 401
    assert response.json()["type"] == "api_key_creator_not_member"


def test_only_those_who_administer_make_keys(world):
    # The authority table gives API keys to owners and admins only: a plain member is
    # refused by role, a stranger as a non-member.
    with tenant_context(world.alpha):
        with pytest.raises(AuthorityRefused):
            api_key_create(company=world.alpha, name="mine", scopes=["documents"], acting_user=world.bob)
        with pytest.raises(PermissionDenied):
            api_key_create(company=world.alpha, name="theirs", scopes=["read"], acting_user=world.charlie)
        assert not ApiKey.objects.filter(company=world.alpha).exists()


def test_a_key_carries_no_scope_beyond_its_creators_role():
    # What a key made by each role may carry (and what a demotion leaves an older key).
    role = Membership.Role
    allowed = {r: api_key_scopes_allowed(Membership(role=r)) for r in role.values}
    assert allowed[role.OWNER] == allowed[role.ADMIN] == set(ApiKey.Scope.values)
    assert allowed[role.MEMBER] == {"read", "documents", "seals", "envelopes"}
    assert allowed[role.AUDITOR] == {"read"}


def test_the_owner_is_shown_which_keys_a_demotion_reduces(world):
    api_key, _api, _document = _bob_admin_key(world)
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = owner.post(f"/members/{_bob_membership(world).pk}/role/", {"role": "member"}, follow=True)
    text = page.content.decode()
    assert "API keys of Bob that now act only as Member: bob&#x27;s ERP (" in text
    assert api_key.prefix in text
    with tenant_context(world.alpha):
        event = AuditEvent.objects.get(action="member.role_changed")
    assert event.data["authority"]["api_keys_reduced"] == [
        {"id": str(api_key.pk), "name": "bob's ERP", "prefix": api_key.prefix, "scopes_lost": ["Administration"]}
    ]


def test_the_api_answer_to_a_removal_lists_the_keys_that_stop(world):
    api_key, _api, _document = _bob_admin_key(world)
    owner = client_on(world.alpha, world.alice)
    response = owner.delete(f"/api/v1/members/{_bob_membership(world).pk}/")
    assert response.status_code == 200
    assert response.json()["authority_effects"]["api_keys_stopped"] == [
        {"id": str(api_key.pk), "name": "bob's ERP", "prefix": api_key.prefix}
    ]
    with tenant_context(world.alpha):
        event = AuditEvent.objects.get(action="member.removed")
    assert event.data["authority"]["api_keys_stopped"][0]["prefix"] == api_key.prefix


def test_a_promotion_reports_nothing_lost(world):
    owner = client_on(world.alpha, world.alice)
    response = owner.patch(
        f"/api/v1/members/{_bob_membership(world).pk}/", json.dumps({"role": "admin"}), content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["role"] == "admin"
    assert not any(response.json()["authority_effects"].values())


def _invitation_from_bob(world, role="admin"):
    """Bob, an administrator then, invites someone; the token from the mail."""
    import re

    from django.core import mail

    Membership.objects.filter(user=world.bob, company=world.alpha).update(role=Membership.Role.ADMIN)
    client_on(world.alpha, world.bob).post("/members/invite/", {"email": "new@example.com", "role": role})
    message = next(message for message in reversed(mail.outbox) if "new@example.com" in message.to)
    return re.search(r"/invitations/([\w-]+)/", message.body).group(1)


@pytest.mark.parametrize("change", ["demoted", "removed", "frozen"])
def test_an_invitation_grants_nothing_its_sender_may_no_longer_give(world, change):
    from accounts.models import Invitation
    from tests.factories import UserFactory

    token = _invitation_from_bob(world)
    # Changed behind the members page's back: acceptance itself must check.
    if change == "demoted":
        Membership.objects.filter(user=world.bob, company=world.alpha).update(role=Membership.Role.MEMBER)
    elif change == "removed":
        Membership.objects.filter(user=world.bob, company=world.alpha).delete()
    else:
        type(world.bob).objects.filter(pk=world.bob.pk).update(frozen_at=timezone.now(), is_active=False)
    invitee = UserFactory(email="new@example.com")
    client = client_on(None, invitee, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get(f"/invitations/{token}/")
    assert page.status_code == 403
    assert "the person who sent it may no longer give this role" in page.content.decode()
    response = client.post(f"/invitations/{token}/")
    assert response.status_code == 403
    assert not Membership.objects.filter(user=invitee, company=world.alpha).exists()
    assert Invitation.objects.get(email="new@example.com").accepted_at is None


def test_an_invitation_its_sender_still_may_give_is_accepted(world):
    from tests.factories import UserFactory

    token = _invitation_from_bob(world, role="member")
    Membership.objects.filter(user=world.bob, company=world.alpha).update(role=Membership.Role.ADMIN)
    invitee = UserFactory(email="new@example.com")
    assert client_on(None, invitee).post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.get(user=invitee, company=world.alpha).role == "member"


def test_demoting_the_sender_withdraws_what_he_may_no_longer_give_and_says_so(world):
    from accounts.models import Invitation

    _invitation_from_bob(world, role="admin")
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    page = owner.post(f"/members/{_bob_membership(world).pk}/role/", {"role": "member"}, follow=True)
    assert "Invitations sent by Bob that were withdrawn: new@example.com." in page.content.decode()
    assert Invitation.objects.get(email="new@example.com").revoked_at is not None


def test_the_reason_comes_in_the_callers_language(world):
    _api_key, api, _document = _bob_admin_key(world)
    _bob_membership(world).delete()
    response = api.get("/api/v1/company/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["detail"] == "此 API 密钥已失效：创建它的人已不再是本企业成员。"


def test_the_keys_page_shows_whose_role_each_key_acts_with_and_which_stopped(world):
    _bob_admin_key(world)
    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    owner.post(f"/members/{_bob_membership(world).pk}/role/", {"role": "member"})
    assert "Bob · Member" in owner.get("/settings/api-keys/").content.decode()
    owner.post(f"/members/{_bob_membership(world).pk}/remove/")
    page = owner.get("/settings/api-keys/").content.decode()
    assert "Stopped: its creator is no longer a member or is frozen" in page
