"""Company members: invitations, roles, removal and leaving. Every change is written to
the company's audit trail."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check
from accounts.identity import mask_email
from accounts.models import Invitation, Membership, User
from config.crypto import keyed_hash
from config.errors import ApplicationError
from config.mail import mail_send
from tenants.models import Company
from tenants.services import company_domain_for
from workflows.services import audit_event_record_in_company

INVITATION_LIFETIME = timedelta(days=7)
Role = Membership.Role


def invitation_token_hash(token: str) -> str:
    return keyed_hash(token, purpose="company-invitation")


def _assert_may_grant(acting: Membership, role: str) -> None:
    authority_check(membership=acting, action=Action.MEMBER_MANAGE)
    if role == Role.OWNER and acting.role != Role.OWNER:
        raise ApplicationError(_("Only an owner can make someone an owner."), "owner_only", status=403, field="role")


def _owner_count(company: Company) -> int:
    return Membership.objects.filter(company=company, role=Role.OWNER).count()


@transaction.atomic
def invitation_create(
    *, company: Company, acting_membership: Membership, email: str, role: str, accept_url_base: str
) -> Invitation:
    _assert_may_grant(acting_membership, role)
    email = email.strip().lower()
    if Membership.objects.filter(company=company, user__email=email).exists():
        raise ApplicationError(_("This person is already a member."), "already_member", field="email")
    Invitation.objects.filter(company=company, email=email, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        company=company,
        email=email,
        role=role,
        token_hash=invitation_token_hash(token),
        invited_by=acting_membership.user,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    link = f"{accept_url_base.rstrip('/')}/invitations/{token}/"
    subject = _("%(company)s invites you to Sealhub") % {"company": company.name}
    body = _(
        "%(person)s invites you to join %(company)s on Sealhub as %(role)s.\n\n"
        "Accept within 7 days (sign in or register with this email address first):\n%(link)s"
    ) % {"person": acting_membership.user, "company": company.name, "role": invitation.get_role_display(), "link": link}
    transaction.on_commit(lambda: mail_send(subject=subject, body=body, to=[email]))
    audit_event_record_in_company(
        company,
        acting_user=acting_membership.user,
        action="member.invited",
        target=invitation,
        data={"email": email, "role": role},
    )
    return invitation


def invitation_get_open(*, token: str) -> Invitation:
    invitation = Invitation.objects.select_related("company").filter(token_hash=invitation_token_hash(token)).first()
    if invitation is None or not invitation.is_open or invitation.company.status != Company.Status.ACTIVE:
        raise ApplicationError(
            _("This invitation is not valid any more: it was used, withdrawn or has expired. Ask for a new one."),
            "invitation_invalid",
            status=404,
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_get_open(token=token)
    if invitation.email != user.email.lower():
        raise ApplicationError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": mask_email(invitation.email)},
            "invitation_other_email",
            status=403,
        )
    membership, created = Membership.objects.get_or_create(
        user=user, company=invitation.company, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        audit_event_record_in_company(
            invitation.company,
            acting_user=user,
            action="member.joined",
            target=membership,
            data={"email": user.email, "role": membership.role},
        )
    return membership


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, acting_membership: Membership) -> Invitation:
    _assert_may_grant(acting_membership, invitation.role)
    if invitation.is_open:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_event_record_in_company(
            invitation.company,
            acting_user=acting_membership.user,
            action="member.invitation_revoked",
            target=invitation,
            data={"email": invitation.email},
        )
    return invitation


@transaction.atomic
def membership_role_change(*, membership: Membership, acting_membership: Membership, role: str) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    _assert_may_grant(acting_membership, role)
    if membership.role == Role.OWNER and acting_membership.role != Role.OWNER:
        raise ApplicationError(_("Only an owner can change an owner's role."), "owner_only", status=403)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.company) == 1:
        raise ApplicationError(_("A company needs at least one owner."), "last_owner", field="role")
    previous = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_event_record_in_company(
        membership.company,
        acting_user=acting_membership.user,
        action="member.role_changed",
        target=membership,
        data={"email": membership.user.email, "from": previous, "to": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting_membership: Membership) -> None:
    """Remove another member, or leave (when `membership` is the acting one)."""
    leaving = membership.pk == acting_membership.pk
    if not leaving:
        _assert_may_grant(acting_membership, membership.role)
    if membership.role == Role.OWNER and _owner_count(membership.company) == 1:
        raise ApplicationError(
            _("The last owner cannot leave or be removed. Make someone else an owner first."), "last_owner"
        )
    audit_event_record_in_company(
        membership.company,
        acting_user=acting_membership.user,
        action="member.left" if leaving else "member.removed",
        target=membership,
        data={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


def _host_url(request, host: str) -> str:
    port = request.get_port()
    suffix = "" if port in ("80", "443") else f":{port}"
    return f"{request.scheme}://{host}{suffix}/"


def company_host_url(company: Company, request) -> str:
    """Uses prefetched domains when present."""
    domain = next((domain.domain for domain in company.domains.all() if domain.is_primary), None)
    return _host_url(request, domain or company_domain_for(company.slug))


def company_signed_in_url(company: Company, request, *, message: str = "") -> str:
    """The company host's address that signs the platform's signed-in person in there as
    well (each host has its own session), showing `message` on arrival."""
    from urllib.parse import urlencode

    from accounts.handoff import host_handoff_token

    device = getattr(request.user, "otp_device", None)
    token = host_handoff_token(
        user=request.user,
        device=device,
        company=company,
        session_key=request.session.session_key or "",
        message=message,
    )
    return f"{company_host_url(company, request)}accounts/handoff/?{urlencode({'token': token})}"


def platform_url(request) -> str:
    return _host_url(request, settings.BASE_DOMAIN)


def company_url_without_request(company: Company) -> str:
    """A company host's address for mail sent by workers: PLATFORM_URL's scheme and
    port with the company's own host."""
    from urllib.parse import urlsplit

    platform = urlsplit(settings.PLATFORM_URL)
    domain = next((d.domain for d in company.domains.all() if d.is_primary), None) or company_domain_for(company.slug)
    port = f":{platform.port}" if platform.port else ""
    return f"{platform.scheme}://{domain}{port}/"
