"""The only code that reaches into another company's schema.

An envelope lives in its owner's schema. A party company sees it through a public
routing entry (`tenants.EnvelopeRoute`) that names the owner; a person through a link
whose token hash is on that entry. Every function here starts from a route that the
caller has already proved is theirs (their company, or their token), switches to the
owner's schema for exactly that envelope and party, and hands back plain data."""

from __future__ import annotations

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
            envelope_event_record(envelope=party.envelope, action="party_registered", party=party,
                                  actor_label=company.name, data={"uscc": company.uscc})  # fmt: skip
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
    EnvelopeRoute.objects.filter(envelope_id=envelope.pk).exclude(status=EnvelopeRoute.Status.DONE).update(
        status=ROUTE_STATUS[status], updated_at=timezone.now()
    )


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
    return route


def route_get_for_token(*, token: str) -> EnvelopeRoute:
    from workflows.envelopes import token_hash_of

    if not token or len(token) > 100:
        raise _not_found()
    route = EnvelopeRoute.objects.select_related("owner").filter(token_hash=token_hash_of(token)).first()
    if route is None or route.party_company_id is not None:
        raise _not_found()
    return route


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


def _load(route: EnvelopeRoute):
    from workflows.models import Envelope, Party

    envelope = Envelope.objects.select_related("document__current_version").filter(pk=route.envelope_id).first()
    party = Party.objects.filter(pk=route.party_id, envelope_id=route.envelope_id).first()
    if envelope is None or party is None:
        raise _not_found()
    return envelope, party


def party_view(*, route: EnvelopeRoute) -> PartyView:
    from documents.models import SigningGrant
    from workflows.models import Envelope, EnvelopeField, Party

    with tenant_context(route.owner):
        envelope, party = _load(route)
        version = envelope.document.current_version
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
            can_act=envelope.is_open and party.status == Party.Status.ACTIVE,
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
                )  # fmt: skip
                for p in parties
            ],
            fields=[
                FieldView(
                    kind=f.kind, page=f.page, x=f.x, y=f.y, width=f.width, height=f.height, mine=f.party_id == party.pk
                )  # fmt: skip
                for f in fields
            ],
            last_job=(
                {
                    "id": str(grant.pk),
                    "status": grant.status,
                    "status_label": grant.get_status_display(),
                    "error": grant.error_message,
                }  # fmt: skip
                if grant
                else None
            ),
        )


def party_page_image(*, route: EnvelopeRoute, page: int, width: int) -> bytes:
    from django.core.files.storage import default_storage

    from documents.services import document_page_preview_path

    with tenant_context(route.owner):
        envelope, _party = _load(route)
        path = document_page_preview_path(version=envelope.document.current_version, page=page, width=width)
        with default_storage.open(path, "rb") as handle:
            return handle.read()


def party_file(*, route: EnvelopeRoute, which: str, actor_label: str, ip_address=None) -> tuple[str, bytes]:
    """The current PDF (what the party is asked to sign) or, once complete, the
    certificate of completion."""
    from workflows.envelopes import envelope_event_record

    with tenant_context(route.owner):
        envelope, party = _load(route)
        if which == "certificate":
            if not envelope.certificate:
                raise ApplicationError(
                    _("The certificate exists once every party has signed."), "not_completed", status=404
                )
            file, name = envelope.certificate, f"{envelope.name}-certificate.pdf"
        else:
            file, name = envelope.document.current_version.file, f"{envelope.name}.pdf"
        with file.open("rb") as handle:
            data = handle.read()
        envelope_event_record(envelope=envelope, action="downloaded", party=party,
                              actor_label=actor_label or party.name, ip_address=ip_address,
                              data={"file": which})  # fmt: skip
        return name, data


def party_job(*, route: EnvelopeRoute, job_id) -> dict:
    from documents.models import SigningGrant

    with tenant_context(route.owner):
        grant = SigningGrant.objects.filter(pk=job_id, envelope_party_id=route.party_id).first()
        if grant is None:
            raise _not_found()
        return {"id": str(grant.pk), "status": grant.status, "status_label": grant.get_status_display(),
                "error": grant.error_message}  # fmt: skip


def party_viewed(*, route: EnvelopeRoute, actor_label: str, ip_address=None, user_agent: str = "") -> None:
    from workflows.envelopes import envelope_party_viewed

    with tenant_context(route.owner):
        _envelope, party = _load(route)
        envelope_party_viewed(party=party, actor_label=actor_label, ip_address=ip_address, user_agent=user_agent)


# --- company parties ------------------------------------------------------------------


def _in_owner(route: EnvelopeRoute, action, **kwargs):
    """Run an owner-side service for this route's party inside the owner's schema, in a
    transaction that commits there (its queued jobs then run in that schema too)."""
    with tenant_context(route.owner), transaction.atomic():
        return action(party_id=route.party_id, **kwargs)


def company_party_seal(*, route: EnvelopeRoute, company: Company, user, **kwargs) -> dict:
    from workflows.envelopes import envelope_company_seal_request

    # The willingness check writes lockout rows in the public schema even when it fails,
    # so it is not wrapped in the owner's transaction.
    with tenant_context(route.owner):
        grant = envelope_company_seal_request(party_id=route.party_id, company=company, user=user, **kwargs)
    return {"id": str(grant.pk), "status": grant.status}


def company_party_decline(*, route: EnvelopeRoute, company: Company, user, reason: str, ip_address=None, user_agent=""):
    from workflows.envelopes import envelope_party_decline

    authority_check_for(acting_user=user, company=company, action=Action.INBOX_ACT)
    return _in_owner(route, envelope_party_decline, reason=reason, actor_label=f"{user} · {company.name}",
                     ip_address=ip_address, user_agent=user_agent)  # fmt: skip


def company_party_reassign(*, route: EnvelopeRoute, company: Company, user, colleague, ip_address=None):
    from workflows.envelopes import envelope_party_reassign

    return _in_owner(route, envelope_party_reassign, company=company, colleague=colleague, acting_user=user,
                     ip_address=ip_address)  # fmt: skip


# --- persons and approvers ----------------------------------------------------------


def person_code_send(*, route: EnvelopeRoute, ip_address=None, user_agent: str = "") -> None:
    from workflows.envelopes import envelope_party_code_send

    _in_owner(route, envelope_party_code_send, ip_address=ip_address, user_agent=user_agent)


def person_code_check(*, route: EnvelopeRoute, code: str, ip_address=None, user_agent: str = "") -> None:
    from workflows.envelopes import envelope_party_code_check

    # Not in one transaction with the caller: a wrong code must be counted even though
    # the check then fails.
    with tenant_context(route.owner):
        envelope_party_code_check(party_id=route.party_id, code=code, ip_address=ip_address, user_agent=user_agent)


def person_sign(*, route: EnvelopeRoute, id_number: str = "", ip_address=None, user_agent: str = "") -> dict:
    from workflows.envelopes import envelope_person_sign

    # Not in one transaction with the caller: a wrong ID number must be counted although it fails.
    with tenant_context(route.owner):
        grant = envelope_person_sign(
            party_id=route.party_id, id_number=id_number, ip_address=ip_address, user_agent=user_agent
        )
    return {"id": str(grant.pk), "status": grant.status}


def person_approve(*, route: EnvelopeRoute, actor_label: str = "", ip_address=None, user_agent: str = "") -> None:
    """`actor_label` defaults to the party's own name (a person acting by link)."""
    from workflows.envelopes import envelope_party_approve

    _in_owner(route, envelope_party_approve, actor_label=actor_label, ip_address=ip_address, user_agent=user_agent)


def person_decline(*, route: EnvelopeRoute, reason: str, actor_label: str = "", ip_address=None, user_agent=""):
    from workflows.envelopes import envelope_party_decline

    _in_owner(route, envelope_party_decline, reason=reason, actor_label=actor_label, ip_address=ip_address,
              user_agent=user_agent)  # fmt: skip


# --- completion: copies into each party company's own documents ---------------------


def final_copies_deliver(*, envelope, final_pdf: bytes, certificate_pdf: bytes) -> int:
    """Runs inside the owner's completion transaction: one copy of the signed PDF and of
    the certificate in each other party company's documents."""
    from documents.services import document_receive

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
