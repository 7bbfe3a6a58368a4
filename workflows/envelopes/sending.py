"""Sending an envelope: the fields frozen into the PDF, a route per party, and each group
of parties notified in turn. A mistyped address is corrected here too (a new link)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check, authority_check_for, current_company
from config.celery import on_commit_enqueue
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.models import Document, DocumentVersion
from documents.pdf.fields import FieldBox, signature_field_names, signature_fields_add
from documents.pdf.inspect import PageBox, PdfInfo
from documents.services.reading import sha256_of
from documents.services.versions import document_assert_fields_may_be_added, document_version_create
from tenants.selectors import membership_in_force
from workflows.envelope_routes import route_open, route_status_set, route_token_set
from workflows.envelopes.drafting import FIELD_KIND_FOR_PARTY
from workflows.envelopes.rules import acting_parties, assert_draft, party_locked
from workflows.envelopes.trail import envelope_event_record, envelope_webhook
from workflows.links import party_link_new
from workflows.models import Envelope, Party
from workflows.tasks import envelope_complete, envelope_mail

DEFAULT_LIFETIME = timedelta(days=30)


@transaction.atomic
def envelope_send(*, envelope: Envelope, owner, acting_user, ip_address: str | None = None) -> Envelope:
    """Freeze the fields into the PDF (one empty signature field per place), open the
    routes and notify the first group."""
    # Sending runs on the sender's authority as it is now, whoever drafted the envelope.
    membership = membership_in_force(user_id=getattr(acting_user, "pk", None), company=owner)
    if membership is None:
        raise ApplicationError(
            _("Only a current member of the company in good standing may send its envelopes."),
            "sender_not_member",
            status=403,
        )
    authority_check(membership=membership, action=Action.ENVELOPE_SEND)
    envelope = lock_row(Envelope, only_self=True, pk=envelope.pk)
    assert_draft(envelope)
    parties = list(envelope.parties.prefetch_related("fields"))
    acting = [party for party in parties if party.kind in Party.ACTING_KINDS]
    if not acting:
        raise ApplicationError(_("Add at least one party who seals, signs or approves."), "no_parties")
    for party in acting:
        if party.kind in FIELD_KIND_FOR_PARTY and not party.fields.all():
            raise ApplicationError(
                _("Place at least one field for %(party)s.") % {"party": party.name}, "party_without_fields"
            )
    document = lock_row(Document, pk=envelope.document_id)
    if Envelope.objects.filter(document=document, status=Envelope.Status.IN_PROGRESS).exists():
        raise ApplicationError(
            _("This document is already out for signing in another envelope."), "document_busy", status=409
        )
    document_assert_fields_may_be_added(document)
    base = document.current_version
    with base.file.open("rb") as handle:
        data = handle.read()
    if sha256_of(data) != base.sha256:
        raise ApplicationError(_("The stored file does not match its fingerprint."), "fingerprint_mismatch", status=409)
    boxes = [
        FieldBox(name=field.field_name, page=field.page, x=field.x, y=field.y, width=field.width, height=field.height)
        for party in acting
        for field in party.fields.all()
    ]
    if base.is_ofd:
        # An OFD signature brings its own stamps (sealcore/ofd): the parties' places stay
        # with the envelope and the prepared version is the file as it is.
        boxes = []
    if boxes and (taken := {box.name for box in boxes} & set(signature_field_names(data))):
        raise ApplicationError(
            _("The document already has a signature field named %(name)s. Place the fields again.")
            % {"name": sorted(taken)[0]},
            "field_name_taken",
            status=409,
        )
    prepared = data if base.is_ofd else signature_fields_add(data, boxes)
    info = PdfInfo(
        page_count=base.page_count,
        pages=[PageBox(**page) for page in base.pages],
        signatures=[None] * base.signature_count,
        sealing_refusal=base.sealing_refusal,
        sealing_refusal_detail=base.sealing_refusal_detail,
    )
    version = document_version_create(
        document=document,
        number=base.number + 1,
        kind=DocumentVersion.Kind.PREPARED,
        data=prepared,
        info=info,
        label=str(acting_user),
        active_content=base.active_content,  # signature fields only: nothing new runs
        file_format=base.format,
    )
    now = timezone.now()
    envelope.status = Envelope.Status.IN_PROGRESS
    envelope.sent_at = now
    envelope.expires_at = envelope.expires_at or now + DEFAULT_LIFETIME
    envelope.prepared_version = version
    envelope.last_reminded_at = now
    envelope.save()
    for party in parties:
        if party.kind != Party.Kind.COMPANY:
            party_link_new(party)
            party.save(update_fields=["token_hash", "token_encrypted"])
        route_open(owner=owner, envelope=envelope, party=party)
    envelope_event_record(
        envelope=envelope,
        action="sent",
        actor_label=str(acting_user),
        ip_address=ip_address,
        data={"sha256": version.sha256, "parties": len(parties)},
    )
    envelope_webhook(envelope, "envelope.sent", sha256=version.sha256, format=version.format)
    next_turn(envelope)
    return envelope


def next_turn(envelope: Envelope) -> None:
    """Activate the next group once no acting party is still active; complete when none
    is left."""
    if acting_parties(envelope).filter(status=Party.Status.ACTIVE).exists():
        return
    waiting = acting_parties(envelope).filter(status=Party.Status.WAITING)
    next_order = waiting.order_by("order").values_list("order", flat=True).first()
    if next_order is None:
        on_commit_enqueue(envelope_complete, str(envelope.pk))
        return
    for party in waiting.filter(order=next_order):
        _party_activate(envelope, party)


def _party_activate(envelope: Envelope, party: Party) -> None:
    party.status = Party.Status.ACTIVE
    party.notified_at = timezone.now()
    party.save(update_fields=["status", "notified_at"])
    route_status_set(party=party, status="active")
    envelope_event_record(
        envelope=envelope, action="notified", party=party, actor_label="Sealhub", data={"email": party.email}
    )
    on_commit_enqueue(envelope_mail, str(party.pk), "turn")


@transaction.atomic
def envelope_party_email_correct(*, party: Party, email: str, acting_user, ip_address=None) -> Party:
    """Before the party acted: fix a mistyped address. A new link replaces the old one."""

    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    party = party_locked(party.pk)
    if party.envelope.status not in (Envelope.Status.DRAFT, Envelope.Status.IN_PROGRESS) or party.status not in (
        Party.Status.WAITING,
        Party.Status.ACTIVE,
    ):
        raise ApplicationError(_("This party has already acted."), "already_acted", status=409)
    try:
        validate_email(email)
    except ValidationError as error:
        raise ApplicationError(_("Enter a valid email address."), "email_invalid", field="email") from error
    previous, party.email = party.email, email.strip().lower()
    if party.token_hash:  # the old address may have the old link: it stops working
        party_link_new(party)
        route_token_set(party=party)
    party.save()
    if party.envelope.status == Envelope.Status.IN_PROGRESS:
        envelope_event_record(
            envelope=party.envelope,
            action="email_corrected",
            party=party,
            actor_label=str(acting_user),
            ip_address=ip_address,
            data={"from": previous, "to": party.email},
        )
    if party.status == Party.Status.ACTIVE:
        on_commit_enqueue(envelope_mail, str(party.pk), "turn")
    return party
