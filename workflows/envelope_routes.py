"""The public routing entries (`tenants.EnvelopeRoute`) an envelope keeps for its parties:
opened when it is sent, their status followed as the parties act, closed when it ends.
Rows in the public schema only: reading or acting on an envelope through a route is the
cross-company door's business (`workflows/cross_tenant/`)."""

from __future__ import annotations

from django.utils import timezone

from tenants.models import Company, EnvelopeRoute

ROUTE_STATUS = {
    "waiting": EnvelopeRoute.Status.WAITING,
    "active": EnvelopeRoute.Status.ACTIVE,
    "done": EnvelopeRoute.Status.DONE,
    "closed": EnvelopeRoute.Status.CLOSED,
}


def company_find_by_uscc(uscc: str) -> Company | None:
    """Only a company whose registration (and so its USCC) a reviewer approved receives
    envelopes addressed to that USCC."""
    uscc = (uscc or "").strip().upper()
    if not uscc:
        return None
    return (
        Company.objects.exclude(schema_name="public")
        .filter(uscc=uscc, status=Company.Status.ACTIVE, verification=Company.Verification.APPROVED)
        .first()
    )


def route_open(*, owner: Company, envelope, party) -> EnvelopeRoute:
    return EnvelopeRoute.objects.create(
        owner=owner,
        envelope_id=envelope.pk,
        party_id=party.pk,
        party_kind=party.kind,
        party_company_id=party.company_id,
        pending_uscc=party.uscc if party.kind == "company" and not party.company_id else "",
        token_hash=party.token_hash or None,
        envelope_name=envelope.name,
        owner_name=owner.name,
    )


def route_status_set(*, party, status: str) -> None:
    EnvelopeRoute.objects.filter(party_id=party.pk).update(status=ROUTE_STATUS[status], updated_at=timezone.now())


def route_token_set(*, party) -> None:
    EnvelopeRoute.objects.filter(party_id=party.pk).update(token_hash=party.token_hash or None)


def routes_close(*, envelope, status: str = "closed") -> None:
    now = timezone.now()
    routes = EnvelopeRoute.objects.filter(envelope_id=envelope.pk)
    routes.exclude(status=EnvelopeRoute.Status.DONE).update(status=ROUTE_STATUS[status], updated_at=now)
    routes.filter(ended_at=None).update(ended_at=now)


def inbox_for_company(*, company: Company):
    """Envelopes other companies (or this one) sent to `company`, newest activity first."""
    return (
        EnvelopeRoute.objects.filter(party_company=company)
        .exclude(status=EnvelopeRoute.Status.WAITING)
        .select_related("owner")
        .order_by("-updated_at")
    )
