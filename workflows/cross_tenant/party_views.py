"""What a party sees through its route: the envelope, the parties and fields, its page
images, the PDF it is asked to act on, and its signing job."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from config.errors import ApplicationError
from documents.models import SigningGrant
from documents.services.previews import document_page_preview_path
from tenants.models import EnvelopeRoute
from workflows.cross_tenant.door import door_open, not_found
from workflows.envelopes.signing import envelope_party_viewed
from workflows.envelopes.trail import envelope_event_record
from workflows.models import Envelope, EnvelopeField, Party


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
    with door_open(route) as door:
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
    with door_open(route) as door:
        path = document_page_preview_path(version=door.version, page=page, width=width)
        with default_storage.open(path, "rb") as handle:
            return handle.read()


def party_file(*, route: EnvelopeRoute, which: str, actor_label: str, ip_address=None) -> tuple[str, bytes]:
    """The PDF the party is asked to act on, as its envelope made it. The certificate of
    completion never goes through a route: it exists once the envelope has ended, and
    then travels with the signed PDF (a party company's documents, a person's mail)."""
    with door_open(route) as door:
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
        return f"{door.envelope.name}.{door.version.format}", data


def party_job(*, route: EnvelopeRoute, job_id) -> dict:
    with door_open(route) as door:
        grant = SigningGrant.objects.filter(pk=job_id, envelope_party_id=door.party.pk).first()
        if grant is None:
            raise not_found()
        return {
            "id": str(grant.pk),
            "status": grant.status,
            "status_label": grant.get_status_display(),
            "error": grant.error_message,
        }


def party_viewed(*, route: EnvelopeRoute, actor_label: str, ip_address=None, user_agent: str = "") -> None:
    with door_open(route) as door:
        envelope_party_viewed(party=door.party, actor_label=actor_label, ip_address=ip_address, user_agent=user_agent)
