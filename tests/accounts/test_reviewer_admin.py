"""The reviewer admin decides registrations, seal applications, identity appeals and
revocations, nothing else. Every URL the admin site serves is generated from the site
itself and tried as a reviewer (and as a superuser): none of them may change an account's
flags, groups, permissions, password, email or memberships."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLResolver, reverse
from django.utils import timezone

from accounts.models import FactorLock, IdentityAppeal, Membership, SecurityEvent, User
from accounts.services import identity_appeal_submit, reviewer_group_ensure
from seals.models import Seal, SealApplication
from seals.services import seal_application_approve, seal_application_submit
from tenants.models import ApiKey, Company, Domain
from tests.conftest import PASSWORD, client_on, enrol_authenticator, verified_client_on
from tests.factories import UserFactory
from tests.seals.conftest import licence

pytestmark = pytest.mark.django_db

ATTACKER_EMAIL = "attacker@evil.example"
NEW_PASSWORD = "Taken-Over-2026!"
FORBIDDEN_INPUTS = ("is_superuser", "is_staff", "groups", "user_permissions", "password1", "new_password1")
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 32


@pytest.fixture
def reviewer(db) -> User:
    """A platform reviewer as made in production: staff, the Reviewers group, an authenticator."""
    user = UserFactory(email="rita@sealhub.example", is_staff=True, full_name="Rita Reviewer")
    user.groups.add(reviewer_group_ensure())
    return user


@pytest.fixture
def superuser(db) -> User:
    return UserFactory(email="root@sealhub.example", is_staff=True, is_superuser=True)


@pytest.fixture
def samples(world, approved_alpha, reviewer) -> dict[str, object]:
    """One object of every model the admin might show, keyed `<app>_<model>`."""
    pending = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="contract",
        seal_name="Alpha 合同专用章",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    decided = seal_application_submit(
        company=approved_alpha,
        applicant=world.alice,
        seal_type="finance",
        seal_name="Alpha 财务专用章",
        seal_password="Seal-pass-2026",
        business_licence=licence(),
    )
    seal_application_approve(application=decided, acting_user=reviewer)
    appeal = identity_appeal_submit(
        id_number="310101199003071230",
        full_name="王五",
        email="wang@example.com",
        mobile="",
        statement="Not me",
        id_photo=SimpleUploadedFile("id.png", PNG, content_type="image/png"),
    )
    lock = FactorLock.objects.create(user=world.bob, factor="otp", locked_until=timezone.now())
    SecurityEvent.objects.create(user=world.bob, action="password.failed")
    api_key = ApiKey.objects.create(
        company=world.alpha, name="CI", prefix="feedbeef", key_hash="0" * 64, scopes=["read"], created_by=world.alice
    )
    return {
        "accounts_user": world.bob,
        "accounts_membership": Membership.objects.get(user=world.bob),
        "accounts_identityappeal": appeal,
        "accounts_factorlock": lock,
        "accounts_securityevent": SecurityEvent.objects.first(),
        "accounts_authenticatordevice": None,
        "auth_group": reviewer_group_ensure(),
        "auth_permission": Permission.objects.first(),
        "tenants_company": world.alpha,
        "tenants_domain": Domain.objects.filter(tenant=world.alpha).first(),
        "tenants_apikey": api_key,
        "seals_sealapplication": pending,
        "seals_seal": Seal.objects.get(application=decided),
    }


def _patterns(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def admin_urls(samples: dict[str, object]) -> list[str]:
    """Every URL of the admin site (site views and each registered ModelAdmin's), with its
    parameters filled from `samples`, plus the user password form the issue names."""
    victim = samples["accounts_user"]
    urls = {f"/admin/accounts/user/{victim.pk}/password/", "/admin/auth/group/add/", "/admin/no-such-page/"}
    for _route, pattern in _patterns(admin.site.get_urls()):
        if pattern.name is None:
            continue  # the catch-all, tried above as /admin/no-such-page/
        parameters = set(pattern.pattern.converters) if hasattr(pattern.pattern, "converters") else set()
        parameters |= set(pattern.pattern.regex.groupindex)
        for kwargs in _parameter_sets(pattern.name, parameters, samples):
            urls.add(reverse(f"admin:{pattern.name}", kwargs=kwargs, urlconf=settings.PUBLIC_SCHEMA_URLCONF))
    return sorted(urls)


def _parameter_sets(name: str, parameters: set[str], samples: dict[str, object]) -> list[dict[str, str]]:
    if not parameters:
        return [{}]
    if parameters == {"app_label"}:
        return [{"app_label": label} for label in sorted({model._meta.app_label for model in admin.site._registry})]
    if parameters == {"content_type_id", "object_id"}:
        victim = samples["accounts_user"]
        return [{"content_type_id": str(ContentType.objects.get_for_model(User).pk), "object_id": str(victim.pk)}]
    sample = next((obj for key, obj in samples.items() if name.startswith(f"{key}_")), None)
    object_id = str(sample.pk) if sample is not None else str(uuid.uuid4())
    values = {
        "object_id": object_id,
        "pk": object_id,
        "id": object_id,
        "appeal_id": object_id,
        "name": "business_licence",
    }
    return [{parameter: values[parameter] for parameter in parameters}]


def _escalation(reviewer: User, victim: User) -> dict[str, object]:
    """Every field a change, add or password form of the admin could take to escalate."""
    group = reviewer_group_ensure()
    permissions = list(Permission.objects.values_list("pk", flat=True))
    alpha = Company.objects.get(slug="alpha")
    return {
        "email": ATTACKER_EMAIL,
        "full_name": victim.full_name,
        "mobile": "",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [group.pk],
        "user_permissions": permissions,
        "frozen_reason": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "usable_password": "true",
        "old_password": PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
        "name": "Escalators",
        "permissions": permissions,
        "user": reviewer.pk,
        "company": alpha.pk,
        "role": "owner",
        "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-company": alpha.pk,
        "memberships-0-role": "owner",
        "memberships-0-user": victim.pk,
        "_save": "Save",
    }


def _snapshot() -> dict[str, object]:
    users = {
        str(user.pk): (
            user.email,
            user.password,
            user.is_staff,
            user.is_superuser,
            user.is_active,
            user.frozen_at,
            sorted(user.groups.values_list("name", flat=True)),
            sorted(user.user_permissions.values_list("codename", flat=True)),
        )
        for user in User.objects.all()
    }
    return {
        "users": users,
        "groups": {g.name: sorted(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()},
        "memberships": sorted(Membership.objects.values_list("user__email", "company__slug", "role")),
        "companies": sorted(Company.objects.values_list("slug", "name", "uscc", "status", "verification")),
        "domains": sorted(Domain.objects.values_list("domain", "tenant__slug", "is_primary")),
        "api_keys": sorted(ApiKey.objects.values_list("name", "scopes", "revoked_at")),
        "applications": sorted(SealApplication.objects.values_list("seal_name", "status")),
        "seals": sorted(Seal.objects.values_list("code", "status")),
        "appeals": sorted(IdentityAppeal.objects.values_list("email", "status")),
    }


def test_the_admin_urls_are_generated_from_the_site(samples):
    urls = admin_urls(samples)
    # The generator reaches into each ModelAdmin's own URLs, not only the site's.
    assert any(url.endswith("/decide/") for url in urls)
    assert f"/admin/accounts/identityappeal/{samples['accounts_identityappeal'].pk}/photo/" in urls
    assert len(urls) > 20


@pytest.mark.parametrize("who", ["reviewer", "superuser"])
def test_no_admin_url_lets_anyone_escalate_or_take_over_an_account(who, request, samples, world):
    acting = request.getfixturevalue(who)
    payload = _escalation(acting, world.bob)
    before = _snapshot()
    for url in admin_urls(samples):
        page = verified_client_on(None, acting, HTTP_ACCEPT_LANGUAGE="en").get(url)
        assert page.status_code < 500, url
        body = "" if page.streaming else page.content.decode(errors="replace")
        for field in FORBIDDEN_INPUTS:
            assert f'name="{field}"' not in body, (url, field)
        answer = verified_client_on(None, acting, HTTP_ACCEPT_LANGUAGE="en").post(url, payload)
        assert answer.status_code < 500, url
        assert _snapshot() == before, url
    assert not User.objects.filter(email=ATTACKER_EMAIL).exists()
    refused = SecurityEvent.objects.filter(user=acting, action="admin.write_refused")
    assert refused.filter(data__model="accounts.User", data__what="change", data__object=str(world.bob.pk)).exists()
    assert refused.filter(data__model="accounts.User", data__what="add").exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/tenants/company/not-an-id/decide/",
        "/admin/seals/seal/not-an-id/decide/",
        "/admin/seals/sealapplication/not-an-id/decide/",
        "/admin/accounts/identityappeal/not-an-id/decide/",
        "/admin/r/{user_type}/not-an-id/",
    ],
)
def test_an_address_with_an_odd_record_id_is_not_found(reviewer, path):
    # Each of these answered 500 (a ValidationError from the UUID primary key).
    user_type = ContentType.objects.get_for_model(User).pk
    admin_client = verified_client_on(None, reviewer, HTTP_ACCEPT_LANGUAGE="en")

    assert admin_client.get(path.format(user_type=user_type)).status_code == 404
    assert admin_client.post(path.format(user_type=user_type), {"decision": "approve"}).status_code == 404


def test_the_reviewer_sees_accounts_read_only_without_a_password_form(reviewer, world):
    admin_client = verified_client_on(None, reviewer, HTTP_ACCEPT_LANGUAGE="en")
    page = admin_client.get(f"/admin/accounts/user/{world.bob.pk}/change/")
    assert page.status_code == 200
    body = page.content.decode()
    assert world.bob.email in body
    assert f"/admin/accounts/user/{world.bob.pk}/password/" not in body
    assert 'name="email"' not in body and 'name="_save"' not in body
    assert admin_client.get("/admin/auth/group/").status_code == 404
    assert admin_client.get("/admin/accounts/user/add/").status_code == 403


def test_reviewer_still_decides_through_the_admin(reviewer, samples):
    application = samples["seals_sealapplication"]
    response = verified_client_on(None, reviewer).post(
        f"/admin/seals/sealapplication/{application.pk}/decide/", {"decision": "rejected", "reason": "Blurred scan"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == SealApplication.Status.REJECTED
    lock = samples["accounts_factorlock"]
    FactorLock.objects.filter(pk=lock.pk).update(locked_until=timezone.now() + timezone.timedelta(minutes=5))
    unlock = verified_client_on(None, reviewer).post(
        "/admin/accounts/factorlock/", {"action": "unlock", "_selected_action": [lock.pk]}
    )
    assert unlock.status_code == 302
    lock.refresh_from_db()
    assert lock.unlocked_by == reviewer


def test_staff_without_a_decision_permission_cannot_decide(world, samples):
    plain_staff = UserFactory(email="staff@sealhub.example", is_staff=True)
    plain_staff.user_permissions.set(Permission.objects.filter(codename="view_sealapplication"))
    application = samples["seals_sealapplication"]
    response = verified_client_on(None, plain_staff).post(
        f"/admin/seals/sealapplication/{application.pk}/decide/", {"decision": "approved", "reason": ""}
    )
    assert response.status_code == 403
    application.refresh_from_db()
    assert application.status == SealApplication.Status.SUBMITTED


def test_a_signed_in_member_is_not_let_into_the_admin(world):
    response = client_on(None, world.alice).get("/admin/accounts/user/", follow=True)
    assert "/admin/" not in response.redirect_chain[-1][0]


def test_the_site_refuses_a_page_that_is_not_a_review_page():
    from django.contrib.admin import ModelAdmin
    from django.core.exceptions import ImproperlyConfigured

    from accounts.admin import ReviewerAdminSite

    site = ReviewerAdminSite(name="probe")
    with pytest.raises(ImproperlyConfigured):
        site.register(Group, ModelAdmin)
    site._registry[Group] = ModelAdmin(Group, site)  # as an app imported earlier would have done
    with pytest.raises(ImproperlyConfigured):
        site.get_urls()


def test_reviewers_are_made_and_unmade_only_by_a_management_command(world):
    from django.core.management import CommandError, call_command

    # Only an account with an authenticator app becomes a reviewer: its first one could
    # otherwise be set up by whoever reset its password through the mailbox.
    with pytest.raises(CommandError, match="bob@alpha.example"):
        call_command("reviewer_grant", "bob@alpha.example")
    assert not User.objects.get(pk=world.bob.pk).is_staff
    enrol_authenticator(world.bob)
    call_command("reviewer_grant", "BOB@alpha.example")
    bob = User.objects.get(pk=world.bob.pk)
    assert bob.is_staff and not bob.is_superuser
    assert list(bob.groups.values_list("name", flat=True)) == ["Reviewers"]
    call_command("reviewer_grant", "bob@alpha.example", "--revoke")
    bob.refresh_from_db()
    assert not bob.is_staff and not bob.groups.exists()
    assert list(
        SecurityEvent.objects.filter(user=bob, action__startswith="reviewer.").values_list("action", flat=True)
    ) == ["reviewer.revoked", "reviewer.granted"]
    with pytest.raises(CommandError):
        call_command("reviewer_grant", "nobody@example.com")
