"""The door itself: from a route the caller proved is theirs to the envelope, the party and
the one version the party may see, in the owner's schema, while the envelope is open and
the party is still the route's. Everything a party reads or does passes `door_open`."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from config.errors import ApplicationError
from documents.models import DocumentVersion, SigningGrant
from events.services import audit_event_record
from tenants.models import Company, EnvelopeRoute
from workflows.links import token_hash_of
from workflows.models import Envelope, Party


def not_found() -> ApplicationError:
    return ApplicationError(_("There is no such envelope, or it is not addressed to you."), "not_found", status=404)


def gone(*, company: bool) -> ApplicationError:
    """A route that once led somewhere: its party learns that, and nothing of the document."""
    if not company:
        message = _(
            "This link is no longer available: the envelope was completed, canceled, declined or has expired, "
            "or the sender sent you a newer link. Once every party has signed, the signed PDF is emailed to you."
        )
    else:
        message = _(
            "This envelope is no longer open to your company. If it was completed, the signed PDF and its "
            "certificate are in your company's documents."
        )
    return ApplicationError(message, "not_found", status=404)


def route_get_for_company(*, company: Company, route_id) -> EnvelopeRoute:
    route = (
        EnvelopeRoute.objects.select_related("owner")
        .filter(pk=route_id, party_company=company)
        .exclude(status=EnvelopeRoute.Status.WAITING)
        .first()
    )
    if route is None:
        raise not_found()
    with door_open(route):
        return route


def route_get_for_token(*, token: str) -> EnvelopeRoute:
    if not token or len(token) > 100:
        raise gone(company=False)
    route = EnvelopeRoute.objects.select_related("owner").filter(token_hash=token_hash_of(token)).first()
    if route is None or route.party_company_id is not None:
        # An old link (the sender corrected the address) is as unknown as a made-up one.
        raise gone(company=False)
    with door_open(route):
        return route


@dataclass(frozen=True)
class Door:
    envelope: object
    party: object
    version: object  # the newest version this envelope produced: all the party may see


def _party_changed(route: EnvelopeRoute, party) -> bool:
    """The owner's record of the party no longer matches the route (another company, a
    newer link): the route's holder is no longer the party."""
    if party.kind != route.party_kind:
        return True
    if route.party_company_id is not None:
        return party.company_id != route.party_company_id
    return not party.token_hash or party.token_hash != route.token_hash


def _envelope_version(envelope):
    """The envelope's own versions are the one it was sent as and those its parties'
    signing jobs made; one the owner's document got any other way is not shown."""

    if envelope.prepared_version_id is None:
        return None
    own_jobs = SigningGrant.objects.filter(
        envelope_party_id__in=Party.objects.filter(envelope_id=envelope.pk).values("pk")
    ).values("pk")
    return (
        DocumentVersion.objects.filter(document_id=envelope.document_id)
        .filter(Q(pk=envelope.prepared_version_id) | Q(grant_id__in=own_jobs))
        .order_by("-number")
        .first()
    )


@contextmanager
def door_open(route: EnvelopeRoute) -> Iterator[Door]:
    """In the owner's schema: this route's envelope and party while the envelope is open
    and the party is still this route's, with the version it may see; otherwise 404 (and
    an audit row in the owner's trail). The only way in for every function of this package."""
    with tenant_context(route.owner):
        envelope = Envelope.objects.select_related("document").filter(pk=route.envelope_id).first()
        party = Party.objects.filter(pk=route.party_id, envelope_id=route.envelope_id).first()
        if envelope is None or party is None:
            raise gone(company=route.party_company_id is not None)
        if route.is_ended or not envelope.is_open or party.status in (Party.Status.CLOSED, Party.Status.DECLINED):
            why = "envelope_ended"
        elif _party_changed(route, party):
            why = "party_changed"
        else:
            version = _envelope_version(envelope)
            why = "" if version is not None else "no_version"
        if why:
            audit_event_record(
                acting_user=None,
                actor_label=party.name,
                action="envelope.party_refused",
                target=envelope,
                data={
                    "envelope": envelope.name,
                    "party": party.name,
                    "envelope_status": envelope.status,
                    "reason": why,
                },
            )
            raise gone(company=route.party_company_id is not None)
        yield Door(envelope=envelope, party=party, version=version)


def in_owner(route: EnvelopeRoute, action, **kwargs):
    """Run an owner-side service for this route's party inside the owner's schema, in a
    transaction that commits there (its queued jobs then run in that schema too)."""
    with door_open(route) as door, transaction.atomic():
        return action(party_id=door.party.pk, **kwargs)
