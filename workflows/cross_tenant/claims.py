"""A company registers after envelopes invited its USCC: each owner's party record is
updated in the owner's schema, and a party whose turn it is gets its mail again."""

from __future__ import annotations

from django.utils import timezone
from django_tenants.utils import tenant_context

from config.celery import on_commit_enqueue
from tenants.models import Company, EnvelopeRoute
from workflows.envelopes.trail import envelope_event_record
from workflows.models import Party
from workflows.tasks import envelope_mail


def routes_claim_for_company(*, company: Company) -> int:
    """After a company's registration is approved: envelopes that invited its USCC reach
    its inbox, and a party whose turn it already is gets the mail again with the link."""
    if not company.uscc:
        return 0
    claimed = 0
    for route in EnvelopeRoute.objects.select_related("owner").filter(pending_uscc=company.uscc, party_company=None):
        route.party_company, route.pending_uscc, route.updated_at = company, "", timezone.now()
        route.save(update_fields=["party_company", "pending_uscc", "updated_at"])
        with tenant_context(route.owner):
            party = Party.objects.select_related("envelope").filter(pk=route.party_id).first()
            if party is None:
                continue
            party.company_id = company.pk
            party.save(update_fields=["company_id"])
            envelope_event_record(
                envelope=party.envelope,
                action="party_registered",
                party=party,
                actor_label=company.name,
                data={"uscc": company.uscc},
            )
            if party.status == Party.Status.ACTIVE:
                on_commit_enqueue(envelope_mail, str(party.pk), "turn")
        claimed += 1
    return claimed
