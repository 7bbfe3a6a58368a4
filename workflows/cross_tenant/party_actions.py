"""What a party does through its route: a company party seals, declines or hands its turn
to a colleague; a person or approver asks for and enters the email code, signs, approves
or declines. Each runs the owner-side envelope service in the owner's schema."""

from __future__ import annotations

from accounts.authority import Action, authority_check_for
from tenants.models import Company, EnvelopeRoute
from workflows.cross_tenant.door import door_open, in_owner
from workflows.envelopes.persons import (
    PersonSignature,
    envelope_party_code_check,
    envelope_party_code_send,
    envelope_person_sign,
)
from workflows.envelopes.signing import (
    envelope_company_seal_request,
    envelope_party_approve,
    envelope_party_decline,
    envelope_party_reassign,
)


def company_party_seal(*, route: EnvelopeRoute, company: Company, user, **kwargs) -> dict:
    # The willingness check writes lockout rows in the public schema even when it fails,
    # so it is not wrapped in the owner's transaction.
    with door_open(route) as door:
        grant = envelope_company_seal_request(party_id=door.party.pk, company=company, user=user, **kwargs)
    return {"id": str(grant.pk), "status": grant.status}


def company_party_decline(*, route: EnvelopeRoute, company: Company, user, reason: str, ip_address=None, user_agent=""):
    authority_check_for(acting_user=user, company=company, action=Action.INBOX_ACT)
    return in_owner(
        route,
        envelope_party_decline,
        reason=reason,
        actor_label=f"{user} · {company.name}",
        ip_address=ip_address,
        user_agent=user_agent,
    )


def company_party_reassign(*, route: EnvelopeRoute, company: Company, user, colleague, ip_address=None):
    return in_owner(
        route, envelope_party_reassign, company=company, colleague=colleague, acting_user=user, ip_address=ip_address
    )


def person_code_send(*, route: EnvelopeRoute, ip_address=None, user_agent: str = "") -> None:
    in_owner(route, envelope_party_code_send, ip_address=ip_address, user_agent=user_agent)


def person_code_check(*, route: EnvelopeRoute, code: str, ip_address=None, user_agent: str = "") -> None:
    # Not in one transaction with the caller: a wrong code must be counted even though
    # the check then fails.
    with door_open(route) as door:
        envelope_party_code_check(party_id=door.party.pk, code=code, ip_address=ip_address, user_agent=user_agent)


def person_sign(
    *,
    route: EnvelopeRoute,
    signature: PersonSignature,
    id_number: str = "",
    ip_address=None,
    user_agent: str = "",
) -> dict:
    # Not in one transaction with the caller: a wrong ID number must be counted although it fails.
    with door_open(route) as door:
        grant = envelope_person_sign(
            party_id=door.party.pk,
            signature=signature,
            id_number=id_number,
            ip_address=ip_address,
            user_agent=user_agent,
        )
    return {"id": str(grant.pk), "status": grant.status}


def person_approve(*, route: EnvelopeRoute, actor_label: str = "", ip_address=None, user_agent: str = "") -> None:
    """`actor_label` defaults to the party's own name (a person acting by link)."""
    in_owner(route, envelope_party_approve, actor_label=actor_label, ip_address=ip_address, user_agent=user_agent)


def person_decline(*, route: EnvelopeRoute, reason: str, actor_label: str = "", ip_address=None, user_agent=""):
    in_owner(
        route,
        envelope_party_decline,
        reason=reason,
        actor_label=actor_label,
        ip_address=ip_address,
        user_agent=user_agent,
    )
