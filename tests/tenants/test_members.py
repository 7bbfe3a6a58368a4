from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone, translation

from accounts.models import Invitation, Membership
from tenants.members import invitation_create
from tenants.models import Company
from tests.accounts.conftest import last_code, registration
from tests.conftest import client_on, continue_on_company_host, verified_client_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _invite(world, email="new@example.com", role="member", inviter=None):
    client = client_on(world.alpha, inviter or world.alice, HTTP_ACCEPT_LANGUAGE="en")
    return client.post("/members/invite/", {"email": email, "role": role}, follow=True)


def _token_from_mail(email: str) -> str:
    message = next(message for message in reversed(mail.outbox) if email in message.to)
    return re.search(r"/invitations/([\w-]+)/", message.body).group(1)


def test_verified_user_registers_a_company_and_owns_it(db):
    user = UserFactory(email_verified_at=timezone.now(), id_number_hash="h" * 64)
    client = client_on(None, user, HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(
        "/companies/new/",
        {"name": "Gamma Ltd", "uscc": "91310000MA1FL4CT3U", "legal_representative": "王五", "slug": "gamma"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("http://gamma.sealhub.test/accounts/handoff/?token=")
    # On the new company's host the owner is signed in already and told what happens next.
    on_host, confirmed = continue_on_company_host(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    arrived = on_host.get(confirmed["Location"])
    assert "Gamma Ltd is registered. A reviewer will check the registration." in arrived.content.decode()
    company = Company.objects.get(slug="gamma")
    assert company.verification == Company.Verification.PENDING
    assert Membership.objects.get(company=company).user == user


def test_unverified_user_is_sent_to_confirm_the_email(db):
    user = UserFactory()
    response = client_on(None, user).post("/companies/new/", {"name": "X", "uscc": "", "slug": "xx-x"})
    assert response["Location"] == "/accounts/email/verify/"
    assert not Company.objects.filter(slug="xx-x").exists()


def test_company_form_explains_a_bad_uscc(db):
    user = UserFactory(email_verified_at=timezone.now(), id_number_hash="i" * 64)
    response = client_on(None, user, HTTP_ACCEPT_LANGUAGE="en").post(
        "/companies/new/", {"name": "Bad", "uscc": "911100008021004330", "legal_representative": "A", "slug": "bad"}
    )
    assert response.status_code == 400
    assert "check digit" in " ".join(response.context["form"].errors["uscc"])
    assert not Company.objects.filter(slug="bad").exists()


def test_invitation_is_accepted_by_the_invited_address(world):
    _invite(world, role="seal_keeper")
    token = _token_from_mail("new@example.com")
    invitee = UserFactory(email="new@example.com")
    response = client_on(None, invitee, HTTP_ACCEPT_LANGUAGE="en").post(f"/invitations/{token}/")
    assert response["Location"].startswith("http://alpha.sealhub.test/accounts/handoff/?token=")
    assert Membership.objects.get(user=invitee, company=world.alpha).role == "seal_keeper"
    on_host, confirmed = continue_on_company_host(response["Location"], HTTP_ACCEPT_LANGUAGE="en")
    arrived = on_host.get(confirmed["Location"])
    assert arrived.status_code == 200 and "You joined Alpha Ltd." in arrived.content.decode()
    # Single use.
    again = client_on(None, invitee).post(f"/invitations/{token}/")
    assert again.status_code == 404


def test_invitation_for_someone_else_is_refused(world):
    _invite(world)
    token = _token_from_mail("new@example.com")
    response = client_on(None, world.charlie, HTTP_ACCEPT_LANGUAGE="en").post(f"/invitations/{token}/")
    assert response.status_code == 403
    assert "n***@example.com" in response.content.decode()
    assert not Membership.objects.filter(user=world.charlie, company=world.alpha).exists()


def test_expired_invitation_is_refused(world):
    _invite(world)
    token = _token_from_mail("new@example.com")
    Invitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    invitee = UserFactory(email="new@example.com")
    assert client_on(None, invitee).post(f"/invitations/{token}/").status_code == 404
    assert not Membership.objects.filter(user=invitee).exists()


def test_plain_member_cannot_invite_or_remove(world):
    response = _invite(world, inviter=world.bob)
    assert response.status_code == 403
    assert "does not allow this: manage members" in response.content.decode()
    assert not Invitation.objects.exists()
    alice_membership = Membership.objects.get(user=world.alice, company=world.alpha)
    client_on(world.alpha, world.bob).post(f"/members/{alice_membership.pk}/remove/")
    assert Membership.objects.filter(pk=alice_membership.pk).exists()


def test_admin_cannot_make_owners_and_last_owner_cannot_leave(world):
    bob_membership = Membership.objects.get(user=world.bob, company=world.alpha)
    alice_membership = Membership.objects.get(user=world.alice, company=world.alpha)
    client = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="en")
    client.post(f"/members/{bob_membership.pk}/role/", {"role": "admin"})
    bob_membership.refresh_from_db()
    assert bob_membership.role == "admin"
    response = client_on(world.alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en").post(
        f"/members/{bob_membership.pk}/role/", {"role": "owner"}, follow=True
    )
    assert "Only an owner" in response.content.decode()
    response = client_on(world.alpha, world.bob, HTTP_ACCEPT_LANGUAGE="en").post(
        f"/members/{alice_membership.pk}/remove/", follow=True
    )
    assert "Only an owner can remove an owner." in response.content.decode()
    assert Membership.objects.filter(pk=alice_membership.pk).exists()
    response = client.post(f"/members/{alice_membership.pk}/remove/", follow=True)
    assert "last owner" in response.content.decode()
    assert Membership.objects.filter(pk=alice_membership.pk).exists()


def test_member_leaves(world):
    bob_membership = Membership.objects.get(user=world.bob, company=world.alpha)
    response = client_on(world.alpha, world.bob).post(f"/members/{bob_membership.pk}/remove/")
    assert response["Location"] == "http://sealhub.test/"
    assert not Membership.objects.filter(pk=bob_membership.pk).exists()
    assert client_on(world.alpha, world.bob).get("/").status_code == 404


def test_other_company_cannot_touch_members(world):
    bob_membership = Membership.objects.get(user=world.bob, company=world.alpha)
    for host in (world.alpha, world.beta):
        response = client_on(host, world.charlie).post(f"/members/{bob_membership.pk}/remove/")
        assert response.status_code == 404
        response = client_on(host, world.charlie).post(f"/members/{bob_membership.pk}/role/", {"role": "owner"})
        assert response.status_code == 404
    bob_membership.refresh_from_db()
    assert bob_membership.role == "member"


def test_reviewer_approves_a_company_registration(world):
    reviewer = UserFactory(is_staff=True, is_superuser=True)
    admin = verified_client_on(None, reviewer)
    response = admin.post(f"/admin/tenants/company/{world.beta.pk}/decide/", {"decision": "approved", "reason": ""})
    assert response.status_code == 302
    world.beta.refresh_from_db()
    assert world.beta.verification == Company.Verification.APPROVED
    assert world.beta.reviewed_by == reviewer
    assert [message.subject for message in mail.outbox if message.to == ["charlie@beta.example"]] == [
        "Beta Ltd：注册审核已通过"
    ]


def test_rejecting_a_registration_needs_a_reason(world):
    reviewer = UserFactory(is_staff=True, is_superuser=True)
    admin = verified_client_on(None, reviewer, HTTP_ACCEPT_LANGUAGE="en")
    response = admin.post(f"/admin/tenants/company/{world.beta.pk}/decide/", {"decision": "rejected", "reason": ""})
    assert response.status_code == 200 and "reason" in response.content.decode()
    world.beta.refresh_from_db()
    assert world.beta.verification == Company.Verification.PENDING


def test_owner_makes_an_auditor_who_reads_and_changes_nothing(world):
    from django_tenants.utils import tenant_context

    from events.models import AuditEvent

    owner = client_on(world.alpha, world.alice, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "审计员" in owner.get("/members/").content.decode()
    response = owner.post(
        "/api/v1/invitations/", {"email": "audrey@alpha.example", "role": "auditor"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["role"] == "auditor"
    audrey = UserFactory(email="audrey@alpha.example")
    token = _token_from_mail("audrey@alpha.example")
    client_on(None, audrey).post(f"/invitations/{token}/")
    assert Membership.objects.get(user=audrey, company=world.alpha).role == "auditor"
    auditor = client_on(world.alpha, audrey, HTTP_ACCEPT_LANGUAGE="en")
    assert auditor.get("/audit/").status_code == 200
    assert auditor.get("/api/v1/audit_events/").status_code == 200
    refused = auditor.post(
        "/api/v1/webhooks/",
        {"url": "https://example.com/x", "events": ["seal.revoked"]},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your role (Auditor) does not allow this: manage webhooks."
    with tenant_context(world.alpha):
        assert AuditEvent.objects.filter(action="authority.refused", data__action="webhook.manage").count() == 1
        assert not AuditEvent.objects.filter(action="webhook.created").exists()


def test_registering_from_an_invitation_link_comes_back_to_the_invitation(world, django_capture_on_commit_callbacks):
    acting = Membership.objects.select_related("user").get(user=world.alice, company=world.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(company=world.alpha, acting_membership=acting, email="zhang@example.com", role="member")
    path = re.search(r"https?://[^/\s]+(/invitations/\S+/)", mail.outbox[-1].body).group(1)
    browser = client_on(None, HTTP_ACCEPT_LANGUAGE="en")
    login = browser.get(path)["Location"]
    page = browser.get(login).content.decode()
    assert f'href="/accounts/register/?next={path}"' in page.replace("%2F", "/")
    browser.get(f"/accounts/register/?next={path}")
    assert browser.post("/accounts/register/", registration())["Location"] == "/accounts/email/verify/"
    confirmed = browser.post("/accounts/email/verify/", {"code": last_code("zhang@example.com")})
    assert confirmed["Location"] == path
    joined = browser.post(path)
    assert joined.status_code == 302
    assert Membership.objects.filter(company=world.alpha, user__email="zhang@example.com").exists()


def test_only_an_invitation_path_is_kept_for_after_registration(world):
    browser = client_on(None)
    for elsewhere in ("https://evil.example/invitations/x/", "//evil.example/invitations/x/", "/admin/"):
        browser.get(f"/accounts/register/?next={elsewhere}")
        assert "after_registration" not in browser.session


def test_an_invitation_is_written_in_the_invitees_language_not_the_inviters(world, django_capture_on_commit_callbacks):
    acting = Membership.objects.select_related("user").get(user=world.alice, company=world.alpha)
    UserFactory(email="reader@example.com", language="en")
    with translation.override("zh-hans"), django_capture_on_commit_callbacks(execute=True):
        invitation_create(company=world.alpha, acting_membership=acting, email="reader@example.com", role="member")
        invitation_create(company=world.alpha, acting_membership=acting, email="stranger@example.com", role="auditor")
    (known,) = [message for message in mail.outbox if message.to == ["reader@example.com"]]
    assert known.subject == "Alpha Ltd invites you to Sealhub"
    assert "as Member" in known.body and "邀请" not in known.body
    # Someone without an account has no language on file: both, Chinese first.
    (stranger,) = [message for message in mail.outbox if message.to == ["stranger@example.com"]]
    assert stranger.subject == "Alpha Ltd 邀请您加入 Sealhub / Alpha Ltd invites you to Sealhub"
    assert "as Auditor" in stranger.body and "邀请您" in stranger.body
