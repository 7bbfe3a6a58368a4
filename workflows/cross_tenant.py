"""The only code that reaches into another company's schema.

An envelope lives in its owner's schema. A party company sees it through a public
routing entry (`tenants.EnvelopeRoute`) that names the owner; a person through a link
whose token hash is on that entry. Every function here starts from a route that the
caller has already proved is theirs (their company, or their token), switches to the
owner's schema for exactly that envelope and party, and hands back plain data.

Everything a party reads or does passes `_door`: it opens only while the envelope is
open and the party is still the one the route was made for, and it names the one version
the party may see (the newest its own envelope produced). Afterwards the route leads
nowhere; a party company keeps the copy delivered to its own documents."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import tenant_context

from accounts.authority import Action, authority_check_for
from config.errors import ApplicationError
from tenants.models import Company, EnvelopeRoute

ROUTE_STATUS = {
    "waiting": EnvelopeRoute.Status.WAITING,
    "active": EnvelopeRoute.Status.ACTIVE,
    "done": EnvelopeRoute.Status.DONE,
    "closed": EnvelopeRoute.Status.CLOSED,
}


def _not_found() -> ApplicationError:
    return ApplicationError(_("There is no such envelope, or it is not addressed to you."), "not_found", status=404)


def _gone(*, company: bool) -> ApplicationError:
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


# --- routes (public schema) ---------------------------------------------------------


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


def routes_claim_for_company(*, company: Company) -> int:
    """After a company's registration is approved: envelopes that invited its USCC reach
    its inbox, and a party whose turn it already is gets the mail again with the link."""
    from config.celery import on_commit_enqueue
    from workflows.envelopes import envelope_event_record
    from workflows.models import Party
    from workflows.tasks import envelope_mail

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


def route_get_for_company(*, company: Company, route_id) -> EnvelopeRoute:
    route = (
        EnvelopeRoute.objects.select_related("owner")
        .filter(pk=route_id, party_company=company)
        .exclude(status=EnvelopeRoute.Status.WAITING)
        .first()
    )
    if route is None:
        raise _not_found()
    with _door(route):
        return route


def route_get_for_token(*, token: str) -> EnvelopeRoute:
    from workflows.envelopes import token_hash_of

    if not token or len(token) > 100:
        raise _gone(company=False)
    route = EnvelopeRoute.objects.select_related("owner").filter(token_hash=token_hash_of(token)).first()
    if route is None or route.party_company_id is not None:
        # An old link (the sender corrected the address) is as unknown as a made-up one.
        raise _gone(company=False)
    with _door(route):
        return route


# --- the door: route -> (envelope, party, version), while open --------------------------


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
    from django.db.models import Q

    from documents.models import DocumentVersion, SigningGrant
    from workflows.models import Party

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
def _door(route: EnvelopeRoute) -> Iterator[Door]:
    """In the owner's schema: this route's envelope and party while the envelope is open
    and the party is still this route's, with the version it may see; otherwise 404 (and
    an audit row in the owner's trail). The only way in for every function below."""
    from events.services import audit_event_record
    from workflows.models import Envelope, Party

    with tenant_context(route.owner):
        envelope = Envelope.objects.select_related("document").filter(pk=route.envelope_id).first()
        party = Party.objects.filter(pk=route.party_id, envelope_id=route.envelope_id).first()
        if envelope is None or party is None:
            raise _gone(company=route.party_company_id is not None)
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
            raise _gone(company=route.party_company_id is not None)
        yield Door(envelope=envelope, party=party, version=version)


# --- what a party sees ----------------------------------------------------------------


@dataclass(frozen=True)
class FieldView:
    kind: str
    page: int
    x: float
    y: float
    width: float
    height: float
    mine: bool


@dataclass(frozen=True)
class PartyRow:
    order: int
    name: str
    kind: str
    kind_label: str
    status: str
    status_label: str
    acted_at: object
    mine: bool


@dataclass(frozen=True)
class PartyView:
    route_id: str
    envelope_id: str
    envelope_name: str
    owner_name: str
    message: str
    envelope_status: str
    envelope_status_label: str
    expires_at: object
    party_id: str
    party_name: str
    party_kind: str
    party_status: str
    party_status_label: str
    needs_id_number: bool
    can_act: bool
    version_number: int
    version_sha256: str
    page_count: int
    pages: list
    previews_ready: int
    completed: bool
    parties: list[PartyRow] = field(default_factory=list)
    fields: list[FieldView] = field(default_factory=list)
    last_job: dict | None = None


def party_view(*, route: EnvelopeRoute) -> PartyView:
    from documents.models import SigningGrant
    from workflows.models import Envelope, EnvelopeField, Party

    with _door(route) as door:
        envelope, party, version = door.envelope, door.party, door.version
        parties = list(envelope.parties.all())
        fields = list(EnvelopeField.objects.filter(party__envelope=envelope).select_related("party"))
        grant = SigningGrant.objects.filter(envelope_party_id=party.pk).order_by("-created_at").first()
        return PartyView(
            route_id=str(route.pk),
            envelope_id=str(envelope.pk),
            envelope_name=envelope.name,
            owner_name=route.owner.name,
            message=envelope.message,
            envelope_status=envelope.status,
            envelope_status_label=envelope.get_status_display(),
            expires_at=envelope.expires_at,
            party_id=str(party.pk),
            party_name=party.name,
            party_kind=party.kind,
            party_status=party.status,
            party_status_label=party.get_status_display(),
            needs_id_number=bool(party.id_number_hash),
            can_act=party.status == Party.Status.ACTIVE,
            version_number=version.number,
            version_sha256=version.sha256,
            page_count=version.page_count,
            pages=version.pages,
            previews_ready=version.previews_ready,
            completed=envelope.status == Envelope.Status.COMPLETED,
            parties=[
                PartyRow(
                    order=p.order,
                    name=p.name,
                    kind=p.kind,
                    kind_label=p.get_kind_display(),
                    status=p.status,
                    status_label=p.get_status_display(),
                    acted_at=p.acted_at,
                    mine=p.pk == party.pk,
                )
                for p in parties
            ],
            fields=[
                FieldView(
                    kind=f.kind, page=f.page, x=f.x, y=f.y, width=f.width, height=f.height, mine=f.party_id == party.pk
                )
                for f in fields
            ],
            last_job=(
                {
                    "id": str(grant.pk),
                    "status": grant.status,
                    "status_label": grant.get_status_display(),
                    "error": grant.error_message,
                }
                if grant
                else None
            ),
        )


def party_page_image(*, route: EnvelopeRoute, page: int, width: int) -> bytes:
    from django.core.files.storage import default_storage

    from documents.services.previews import document_page_preview_path

    with _door(route) as door:
        path = document_page_preview_path(version=door.version, page=page, width=width)
        with default_storage.open(path, "rb") as handle:
            return handle.read()


def party_file(*, route: EnvelopeRoute, which: str, actor_label: str, ip_address=None) -> tuple[str, bytes]:
    """The PDF the party is asked to act on, as its envelope made it. The certificate of
    completion never goes through a route: it exists once the envelope has ended, and
    then travels with the signed PDF (a party company's documents, a person's mail)."""
    from workflows.envelopes import envelope_event_record

    with _door(route) as door:
        if which != "document":
            raise ApplicationError(
                _("The certificate exists once every party has signed."), "not_completed", status=404
            )
        with door.version.file.open("rb") as handle:
            data = handle.read()
        envelope_event_record(
            envelope=door.envelope,
            action="downloaded",
            party=door.party,
            actor_label=actor_label or door.party.name,
            ip_address=ip_address,
            data={"file": which, "version": door.version.number},
        )
        return f"{door.envelope.name}.pdf", data


def party_job(*, route: EnvelopeRoute, job_id) -> dict:
    from documents.models import SigningGrant

    with _door(route) as door:
        grant = SigningGrant.objects.filter(pk=job_id, envelope_party_id=door.party.pk).first()
        if grant is None:
            raise _not_found()
        return {
            "id": str(grant.pk),
            "status": grant.status,
            "status_label": grant.get_status_display(),
            "error": grant.error_message,
        }


def party_viewed(*, route: EnvelopeRoute, actor_label: str, ip_address=None, user_agent: str = "") -> None:
    from workflows.envelopes import envelope_party_viewed

    with _door(route) as door:
        envelope_party_viewed(party=door.party, actor_label=actor_label, ip_address=ip_address, user_agent=user_agent)


# --- company parties ------------------------------------------------------------------


def _in_owner(route: EnvelopeRoute, action, **kwargs):
    """Run an owner-side service for this route's party inside the owner's schema, in a
    transaction that commits there (its queued jobs then run in that schema too)."""
    with _door(route) as door, transaction.atomic():
        return action(party_id=door.party.pk, **kwargs)


def company_party_seal(*, route: EnvelopeRoute, company: Company, user, **kwargs) -> dict:
    from workflows.envelopes import envelope_company_seal_request

    # The willingness check writes lockout rows in the public schema even when it fails,
    # so it is not wrapped in the owner's transaction.
    with _door(route) as door:
        grant = envelope_company_seal_request(party_id=door.party.pk, company=company, user=user, **kwargs)
    return {"id": str(grant.pk), "status": grant.status}


def company_party_decline(*, route: EnvelopeRoute, company: Company, user, reason: str, ip_address=None, user_agent=""):
    from workflows.envelopes import envelope_party_decline

    authority_check_for(acting_user=user, company=company, action=Action.INBOX_ACT)
    return _in_owner(
        route,
        envelope_party_decline,
        reason=reason,
        actor_label=f"{user} · {company.name}",
        ip_address=ip_address,
        user_agent=user_agent,
    )


def company_party_reassign(*, route: EnvelopeRoute, company: Company, user, colleague, ip_address=None):
    from workflows.envelopes import envelope_party_reassign

    return _in_owner(
        route, envelope_party_reassign, company=company, colleague=colleague, acting_user=user, ip_address=ip_address
    )


# --- persons and approvers ----------------------------------------------------------


def person_code_send(*, route: EnvelopeRoute, ip_address=None, user_agent: str = "") -> None:
    from workflows.envelopes import envelope_party_code_send

    _in_owner(route, envelope_party_code_send, ip_address=ip_address, user_agent=user_agent)


def person_code_check(*, route: EnvelopeRoute, code: str, ip_address=None, user_agent: str = "") -> None:
    from workflows.envelopes import envelope_party_code_check

    # Not in one transaction with the caller: a wrong code must be counted even though
    # the check then fails.
    with _door(route) as door:
        envelope_party_code_check(party_id=door.party.pk, code=code, ip_address=ip_address, user_agent=user_agent)


def person_sign(*, route: EnvelopeRoute, id_number: str = "", ip_address=None, user_agent: str = "") -> dict:
    from workflows.envelopes import envelope_person_sign

    # Not in one transaction with the caller: a wrong ID number must be counted although it fails.
    with _door(route) as door:
        grant = envelope_person_sign(
            party_id=door.party.pk, id_number=id_number, ip_address=ip_address, user_agent=user_agent
        )
    return {"id": str(grant.pk), "status": grant.status}


def person_approve(*, route: EnvelopeRoute, actor_label: str = "", ip_address=None, user_agent: str = "") -> None:
    """`actor_label` defaults to the party's own name (a person acting by link)."""
    from workflows.envelopes import envelope_party_approve

    _in_owner(route, envelope_party_approve, actor_label=actor_label, ip_address=ip_address, user_agent=user_agent)


def person_decline(*, route: EnvelopeRoute, reason: str, actor_label: str = "", ip_address=None, user_agent=""):
    from workflows.envelopes import envelope_party_decline

    _in_owner(
        route,
        envelope_party_decline,
        reason=reason,
        actor_label=actor_label,
        ip_address=ip_address,
        user_agent=user_agent,
    )


# --- completion: copies into each party company's own documents ---------------------


def final_copies_deliver(*, envelope, final_pdf: bytes, certificate_pdf: bytes) -> int:
    """Runs inside the owner's completion transaction: one copy of the signed PDF and of
    the certificate in each other party company's documents."""
    from documents.services.versions import document_receive

    owner = Company.objects.get(schema_name=connection.schema_name)
    company_ids = {
        company_id
        for company_id in envelope.parties.exclude(company_id=None).values_list("company_id", flat=True)
        if company_id != owner.pk
    }
    delivered = 0
    for company in Company.objects.filter(pk__in=company_ids):
        with tenant_context(company):
            label = _("From %(owner)s (envelope)") % {"owner": owner.name}
            document_receive(name=f"{envelope.name}.pdf", data=final_pdf, source_label=label)
            document_receive(name=f"{envelope.name}-certificate.pdf", data=certificate_pdf, source_label=label)
        delivered += 1
    return delivered
