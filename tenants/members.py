"""Company members: invitations, roles, removal and leaving. Every change is written to
the company's audit trail."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.authority import Action, authority_check, role_may
from accounts.handoff import host_handoff_token
from accounts.identity import mask_email
from accounts.mail_language import mail_users
from accounts.models import Invitation, Membership, User
from config.crypto import keyed_hash
from config.errors import ApplicationError
from config.links import platform_link
from config.mail import mail_bilingual, mail_queue
from config.row_locks import lock_row
from tenants.hooks import audit_event_record_in_company, authority_lost_follow_ups
from tenants.models import ApiKey, Company
from tenants.selectors import membership_in_force
from tenants.services import api_key_scopes_allowed, company_domain_for, company_link

INVITATION_LIFETIME = timedelta(days=7)
Role = Membership.Role


def invitation_token_hash(token: str) -> str:
    return keyed_hash(token, purpose="company-invitation")


def _may_grant(acting: Membership, role: str) -> bool:
    return role_may(acting.role, Action.MEMBER_MANAGE) and (role != Role.OWNER or acting.role == Role.OWNER)


def _assert_may_grant(acting: Membership, role: str) -> None:
    authority_check(membership=acting, action=Action.MEMBER_MANAGE)
    if role == Role.OWNER and acting.role != Role.OWNER:
        raise ApplicationError(_("Only an owner can make someone an owner."), "owner_only", status=403, field="role")


def _owner_count(company: Company) -> int:
    return Membership.objects.filter(company=company, role=Role.OWNER).count()


@transaction.atomic
def invitation_create(*, company: Company, acting_membership: Membership, email: str, role: str) -> Invitation:
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
    link = platform_link(f"/invitations/{token}/")

    def render() -> tuple[str, str]:
        subject = _("%(company)s invites you to Sealhub") % {"company": company.name}
        body = _(
            "%(person)s invites you to join %(company)s on Sealhub as %(role)s.\n\n"
            "Accept within 7 days (sign in or register with this email address first):\n%(link)s"
        ) % {
            "person": acting_membership.user,
            "company": company.name,
            "role": invitation.get_role_display(),
            "link": link,
        }
        return subject, body

    # In the invitee's language: theirs if they have an account, else both (not the inviter's).
    invitee = User.objects.filter(email=email, language__in=[code for code, _name in settings.LANGUAGES]).first()
    if invitee is not None:
        mail_users(users=[invitee], render=render)
    else:
        subject, body = mail_bilingual(render)
        mail_queue(subject=subject, body=body, to=[email])
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
    # The invitation grants a role on its sender's authority as it is now, not as it was
    # when it was sent: a sender since demoted, removed or frozen grants nothing.
    inviter = membership_in_force(
        user_id=invitation.invited_by_id, company=invitation.company, since=invitation.created_at
    )
    if inviter is None or not _may_grant(inviter, invitation.role):
        raise ApplicationError(
            _(
                "This invitation is not valid any more: the person who sent it may no longer give this role. "
                "Ask the company for a new invitation."
            ),
            "invitation_inviter_lacks_authority",
            status=403,
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


# How much a role may do, to tell a demotion from a promotion (read-only roles rank 0).
ROLE_RANK = {Role.OWNER: 4, Role.ADMIN: 3, Role.SEAL_KEEPER: 2, Role.MEMBER: 1}


@dataclass
class AuthorityEffects:
    """What a member set in motion that stops or shrinks when they are demoted or removed,
    for the person making the change (page message, API answer, audit row)."""

    api_keys_stopped: list[ApiKey] = field(default_factory=list)
    api_keys_reduced: list[tuple[ApiKey, list[str]]] = field(default_factory=list)  # key, scopes lost
    invitations_withdrawn: list[Invitation] = field(default_factory=list)
    webhooks_paused: list = field(default_factory=list)
    approvals_void: list = field(default_factory=list)

    def as_data(self) -> dict:
        return {
            "api_keys_stopped": [{"id": str(k.pk), "name": k.name, "prefix": k.prefix} for k in self.api_keys_stopped],
            "api_keys_reduced": [
                {"id": str(k.pk), "name": k.name, "prefix": k.prefix, "scopes_lost": lost}
                for k, lost in self.api_keys_reduced
            ],
            "invitations_withdrawn": [{"id": str(i.pk), "email": i.email} for i in self.invitations_withdrawn],
            "webhooks_paused": [{"id": str(w.pk), "url": w.url} for w in self.webhooks_paused],
            "seal_use_approvals_void": [{"id": str(a.pk), "seal": a.seal_label} for a in self.approvals_void],
        }

    def messages(self, person, role_label: str | None) -> list[str]:
        """One sentence per kind, in the reader's language."""

        def keys(items) -> str:
            return ", ".join(f"{key.name} ({key.prefix}…)" for key in items)

        names = {"person": person, "role": role_label}
        lines = []
        if self.api_keys_stopped:
            names["keys"] = keys(self.api_keys_stopped)
            lines.append(_("API keys of %(person)s that stop working: %(keys)s.") % names)
        if self.api_keys_reduced:
            names["keys"] = keys(key for key, _lost in self.api_keys_reduced)
            lines.append(_("API keys of %(person)s that now act only as %(role)s: %(keys)s.") % names)
        if self.invitations_withdrawn:
            names["emails"] = ", ".join(invitation.email for invitation in self.invitations_withdrawn)
            lines.append(_("Invitations sent by %(person)s that were withdrawn: %(emails)s.") % names)
        if self.webhooks_paused:
            names["urls"] = ", ".join(endpoint.url for endpoint in self.webhooks_paused)
            lines.append(
                _("Webhook endpoints set up by %(person)s, paused until an administrator resumes them: %(urls)s.")
                % names
            )
        if self.approvals_void:
            names["count"] = len(self.approvals_void)
            lines.append(_("Seal-use approvals granted by %(person)s that can no longer be used: %(count)s.") % names)
        return lines


def _authority_effects_apply(membership: Membership, new_role: str | None) -> AuthorityEffects:
    """Checks at the moment of use already stop all of this (authentication, invitation
    acceptance, webhook delivery, sealing); here the owner is told, and what can be
    cleaned up is: invitations the person may no longer grant are withdrawn, webhook
    endpoints they vouched for are paused. `new_role` None means removed."""
    effects = AuthorityEffects()
    company, user = membership.company, membership.user
    if new_role is not None and ROLE_RANK.get(new_role, 0) >= ROLE_RANK.get(membership.role, 0):
        return effects
    after = Membership(user=user, company=company, role=new_role) if new_role is not None else None
    now = timezone.now()
    live_keys = ApiKey.objects.filter(company=company, created_by=user, revoked_at__isnull=True).exclude(
        expires_at__lte=now
    )
    if after is None:
        effects.api_keys_stopped = list(live_keys)
    else:
        allowed = api_key_scopes_allowed(after)
        labels = dict(ApiKey.Scope.choices)
        effects.api_keys_reduced = [
            (key, [str(labels.get(scope, scope)) for scope in key.scopes if scope not in allowed]) for key in live_keys
        ]
    open_invitations = Invitation.objects.filter(
        company=company, invited_by=user, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    )
    effects.invitations_withdrawn = [i for i in open_invitations if after is None or not _may_grant(after, i.role)]
    Invitation.objects.filter(pk__in=[i.pk for i in effects.invitations_withdrawn]).update(revoked_at=now)
    with tenant_context(company):
        for effect, follow_up in authority_lost_follow_ups().items():
            setattr(effects, effect, follow_up(user=user, role=new_role))
    return effects


@transaction.atomic
def membership_role_change(*, membership: Membership, acting_membership: Membership, role: str) -> Membership:
    membership = lock_row(Membership, pk=membership.pk)
    _assert_may_grant(acting_membership, role)
    if membership.role == Role.OWNER and acting_membership.role != Role.OWNER:
        raise ApplicationError(_("Only an owner can change an owner's role."), "owner_only", status=403)
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(membership.company) == 1:
        raise ApplicationError(_("A company needs at least one owner."), "last_owner", field="role")
    previous = membership.role
    effects = _authority_effects_apply(membership, role)
    membership.role = role
    membership.save(update_fields=["role"])
    audit_event_record_in_company(
        membership.company,
        acting_user=acting_membership.user,
        action="member.role_changed",
        target=membership,
        data={"email": membership.user.email, "from": previous, "to": role, "authority": effects.as_data()},
    )
    membership.authority_effects = effects
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, acting_membership: Membership) -> AuthorityEffects:
    """Remove another member, or leave (when `membership` is the acting one). Returns what
    stops with the person's authority."""
    leaving = membership.pk == acting_membership.pk
    if not leaving:
        authority_check(membership=acting_membership, action=Action.MEMBER_MANAGE)
        if membership.role == Role.OWNER and acting_membership.role != Role.OWNER:
            raise ApplicationError(_("Only an owner can remove an owner."), "owner_only", status=403)
    if membership.role == Role.OWNER and _owner_count(membership.company) == 1:
        raise ApplicationError(
            _("The last owner cannot leave or be removed. Make someone else an owner first."), "last_owner"
        )
    effects = _authority_effects_apply(membership, None)
    audit_event_record_in_company(
        membership.company,
        acting_user=acting_membership.user,
        action="member.left" if leaving else "member.removed",
        target=membership,
        data={"email": membership.user.email, "role": membership.role, "authority": effects.as_data()},
    )
    membership.delete()
    return effects


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
    """A company host's address for mail sent by workers (config/links.py)."""
    return company_link(company)
