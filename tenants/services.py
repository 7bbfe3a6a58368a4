from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_exists
from stdnum.cn import uscc as uscc_number

from accounts.authority import Action, authority_check_for, role_may
from accounts.mail_language import mail_users
from accounts.models import Membership, User
from config.errors import ApplicationError
from config.links import host_link
from config.row_locks import lock_row
from tenants.hooks import audit_event_record, audit_event_record_in_company, company_approved_follow_ups
from tenants.models import ApiKey, Company, Domain
from tenants.selectors import API_KEY_PREFIX, api_key_hash, membership_in_force

RESERVED_SLUGS = frozenset({"www", "admin", "api", "public", "static", "media", "mail", "demo-template"})


def company_domain_for(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def company_link(company: Company, path: str = "/") -> str:
    """`path` on the company's own host, for mail (config/links.py). Uses prefetched domains."""
    domain = next((d.domain for d in company.domains.all() if d.is_primary), None) or company_domain_for(company.slug)
    return host_link(domain, path)


def schema_name_for(slug: str) -> str:
    return "c_" + slug.replace("-", "_")


def base_schema_ensure() -> None:
    """Create and migrate the template schema new companies are cloned from.
    Run after every deploy's migrations so clones start at the current state."""
    name = settings.TENANT_BASE_SCHEMA
    if not schema_exists(name):
        with connection.cursor() as cursor:
            cursor.execute(f'CREATE SCHEMA "{name}"')
    call_command("migrate_schemas", schema_name=name, interactive=False, verbosity=0)
    connection.set_schema_to_public()


def platform_ensure() -> Company:
    """The public tenant and its host (landing page, registration, admin, verification)."""
    platform, _created = Company.objects.get_or_create(
        schema_name="public", defaults={"name": "Sealhub", "slug": "platform"}
    )
    for domain in {settings.BASE_DOMAIN, "127.0.0.1"}:
        Domain.objects.get_or_create(
            domain=domain, defaults={"tenant": platform, "is_primary": domain == settings.BASE_DOMAIN}
        )
    return platform


@transaction.atomic
def company_create(
    *, name: str, slug: str, uscc: str, legal_representative: str = "", owner: User, acting_user: User
) -> Company:
    slug = slug.strip().lower()
    if slug in RESERVED_SLUGS:
        raise ApplicationError(_("This address name is reserved."), "slug_reserved", field="slug")
    if Company.objects.filter(slug=slug).exists():
        raise ApplicationError(_("This address name is already taken."), "slug_taken", field="slug")
    if uscc:
        try:
            uscc = uscc_number.validate(uscc)
        except Exception as exc:  # stdnum raises a family of ValidationError subclasses
            raise ApplicationError(
                _("The unified social credit code is not valid."), "uscc_invalid", field="uscc"
            ) from exc
        if Company.objects.filter(uscc=uscc).exists():
            raise ApplicationError(
                _("A company with this unified social credit code is already registered."),
                "uscc_taken",
                field="uscc",
            )
    company = Company(
        schema_name=schema_name_for(slug),
        name=name.strip(),
        slug=slug,
        uscc=uscc,
        legal_representative=legal_representative.strip(),
    )
    company.full_clean(exclude=["schema_name"])
    company.save(verbosity=0)  # clones the template schema (TENANT_BASE_SCHEMA)
    Domain.objects.create(domain=company_domain_for(slug), tenant=company, is_primary=True)
    Membership.objects.create(user=owner, company=company, role=Membership.Role.OWNER)
    audit_event_record_in_company(
        company,
        acting_user=acting_user,
        action="company.created",
        target=company,
        data={"name": company.name, "slug": slug, "owner": owner.email},
    )
    return company


def api_key_scopes_allowed(membership: Membership) -> set[str]:
    """What scopes a key made by this member may carry: administration only for those who
    administer now; a read-only role only reading. The role checks at each request still
    apply on top (tenants/permissions.py)."""
    scopes = {ApiKey.Scope.READ}
    if role_may(membership.role, Action.DOCUMENT_UPLOAD):
        scopes |= {ApiKey.Scope.DOCUMENTS}
    if role_may(membership.role, Action.DOCUMENT_SEAL):
        scopes |= {ApiKey.Scope.SEALS}
    if role_may(membership.role, Action.ENVELOPE_SEND):
        scopes |= {ApiKey.Scope.ENVELOPES}
    if role_may(membership.role, Action.API_KEY_MANAGE):
        scopes |= {ApiKey.Scope.ADMIN}
    return scopes


@transaction.atomic
def api_key_create(
    *,
    company: Company,
    name: str,
    scopes: list[str],
    expires_at: datetime | None = None,
    acting_user,
    through_key: ApiKey | None = None,
) -> tuple[ApiKey, str]:
    """Returns the key row and the raw key, which is never stored and shown only once.
    A key made through another key (`through_key`) expires no later than that key, so an
    expiring key cannot leave behind a key that keeps its access."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.API_KEY_MANAGE)
    if through_key is not None and through_key.expires_at is not None:
        if expires_at is None:
            expires_at = through_key.expires_at
        elif expires_at > through_key.expires_at:
            raise ApplicationError(
                _("A key made with an API key cannot outlive it: choose an expiry on or before %(expiry)s.")
                % {"expiry": timezone.localtime(through_key.expires_at).strftime("%Y-%m-%d %H:%M")},
                "expiry_beyond_key",
                field="expires_at",
            )
    valid_scopes = set(ApiKey.Scope.values)
    unknown = sorted(set(scopes) - valid_scopes)
    if not scopes or unknown:
        raise ApplicationError(_("Choose at least one valid scope."), "invalid_scopes", field="scopes")
    if expires_at is not None and expires_at <= timezone.now():
        raise ApplicationError(_("The expiry must be in the future."), "expiry_in_past", field="expires_at")
    membership = membership_in_force(user_id=acting_user.pk, company=company)
    if membership is None:
        raise ApplicationError(_("Only current members can create API keys."), "not_member", status=403)
    beyond_role = sorted(set(scopes) - api_key_scopes_allowed(membership))
    if beyond_role:
        labels = dict(ApiKey.Scope.choices)
        raise ApplicationError(
            _("Your role does not allow a key with these scopes: %(scopes)s.")
            % {"scopes": ", ".join(str(labels[scope]) for scope in beyond_role)},
            "scope_beyond_role",
            status=403,
            field="scopes",
        )
    prefix = secrets.token_hex(4)
    raw_key = f"{API_KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    api_key = ApiKey.objects.create(
        company=company,
        name=name.strip(),
        prefix=prefix,
        key_hash=api_key_hash(raw_key),
        scopes=sorted(set(scopes)),
        expires_at=expires_at,
        created_by=acting_user,
        made_through=through_key,
    )
    audit_event_record(
        acting_user=acting_user,
        action="api_key.created",
        target=api_key,
        data={"name": api_key.name, "prefix": prefix, "scopes": api_key.scopes},
    )
    return api_key, raw_key


@transaction.atomic
def company_signature_level_set(*, company: Company, level: str, acting_user) -> Company:
    """The PAdES level of the company's seals and signatures from now on (documents made
    before keep theirs). Owners and administrators; audited."""
    authority_check_for(acting_user=acting_user, company=company, action=Action.COMPANY_SETTINGS)
    if level not in Company.SignatureLevel.values:
        raise ApplicationError(_("Unknown signature level."), "signature_level_unknown", field="signature_level")
    company = lock_row(Company, pk=company.pk)
    previous = company.signature_level
    if previous == level:
        return company
    company.signature_level = level
    company.save(update_fields=["signature_level"])
    audit_event_record_in_company(
        company,
        acting_user=acting_user,
        action="company.signature_level_changed",
        target=company,
        data={"from": previous, "to": level},
    )
    return company


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey, acting_user) -> ApiKey:
    authority_check_for(acting_user=acting_user, company=api_key.company, action=Action.API_KEY_MANAGE)
    if api_key.revoked_at is not None:
        return api_key
    now = timezone.now()
    # A leaked key may have made others: they go with it, however deep.
    made = []
    parents = [api_key.pk]
    while parents:
        children = list(ApiKey.objects.filter(made_through_id__in=parents, revoked_at__isnull=True))
        made += children
        parents = [child.pk for child in children]
    ApiKey.objects.filter(pk__in=[api_key.pk, *(key.pk for key in made)]).update(revoked_at=now)
    api_key.revoked_at = now
    audit_event_record(
        acting_user=acting_user,
        action="api_key.revoked",
        target=api_key,
        data={"prefix": api_key.prefix, "keys_made_through_it": [key.prefix for key in made]},
    )
    return api_key


@transaction.atomic
def api_key_rotate(*, api_key: ApiKey, acting_user) -> tuple[ApiKey, str]:
    """A new key with the same name, scopes and expiry; the old one stops at once (an
    integrator swaps the secret, nothing else changes)."""
    authority_check_for(acting_user=acting_user, company=api_key.company, action=Action.API_KEY_MANAGE)
    api_key = lock_row(ApiKey, pk=api_key.pk)
    if not api_key.is_usable():
        raise ApplicationError(_("Only an active key can be rotated."), "api_key_inactive", status=409)
    new_key, raw_key = api_key_create(
        company=api_key.company,
        name=api_key.name,
        scopes=api_key.scopes,
        expires_at=api_key.expires_at,
        acting_user=acting_user,
    )
    api_key.revoked_at = timezone.now()
    api_key.save(update_fields=["revoked_at"])
    audit_event_record(
        acting_user=acting_user,
        action="api_key.rotated",
        target=new_key,
        data={"old_prefix": api_key.prefix, "new_prefix": new_key.prefix},
    )
    return new_key, raw_key


def _company_review_notify(company: Company, render) -> None:
    owners = [membership.user for membership in company.memberships.filter(role="owner").select_related("user")]
    mail_users(users=owners, render=render)


@transaction.atomic
def company_registration_approve(*, company: Company, acting_user: User, reason: str = "") -> Company:
    return _company_registration_decide(company=company, acting_user=acting_user, reason=reason, approve=True)


@transaction.atomic
def company_registration_reject(*, company: Company, acting_user: User, reason: str) -> Company:
    if not reason.strip():
        raise ApplicationError(_("Give the company a reason."), "reason_missing", field="reason")
    return _company_registration_decide(company=company, acting_user=acting_user, reason=reason, approve=False)


def _company_registration_decide(*, company: Company, acting_user: User, reason: str, approve: bool) -> Company:
    company = lock_row(Company, pk=company.pk)
    if company.verification != Company.Verification.PENDING:
        raise ApplicationError(_("This registration has already been reviewed."), "already_reviewed")
    company.verification = Company.Verification.APPROVED if approve else Company.Verification.REJECTED
    company.reviewed_at = timezone.now()
    company.reviewed_by = acting_user
    company.review_reason = reason.strip()
    company.save(update_fields=["verification", "reviewed_at", "reviewed_by", "review_reason"])
    audit_event_record_in_company(
        company,
        acting_user=acting_user,
        action="company.registration_approved" if approve else "company.registration_rejected",
        target=company,
        data={"reason": company.review_reason},
    )
    if approve:
        for follow_up in company_approved_follow_ups():
            follow_up(company=company)
        _company_review_notify(
            company,
            lambda: (
                _("%(company)s: registration approved") % {"company": company.name},
                _("The registration of %(company)s was checked and approved. You can now apply for seals.")
                % {"company": company.name}
                + "\n\n"
                + _("Apply for a seal here: %(link)s") % {"link": company_link(company, "/seals/apply/")},
            ),
        )
    else:
        _company_review_notify(
            company,
            lambda: (
                _("%(company)s: registration not approved") % {"company": company.name},
                _("The registration of %(company)s was not approved. Reason: %(reason)s")
                % {"company": company.name, "reason": company.review_reason}
                + "\n\n"
                + _("Your company: %(link)s") % {"link": company_link(company)},
            ),
        )
    return company
