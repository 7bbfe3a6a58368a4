"""Drafting an envelope: its name, expiry and reminders, its parties in order, and the
fields each party seals or signs. Everything here refuses once the envelope was sent."""

from __future__ import annotations

import datetime as dt
import unicodedata
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import uscc as uscc_number

from accounts.authority import Action, authority_check_for, current_company
from config.errors import ApplicationError
from config.mail import BIDI_CONTROLS, mail_header_text
from documents.models import Document
from documents.services.placements import placement_rectangle_check, rectangle_centred_on_page, text_occurrences
from documents.services.versions import document_assert_fields_may_be_added
from workflows.envelope_routes import company_find_by_uscc
from workflows.envelopes.rules import assert_draft, id_number_hash
from workflows.envelopes.trail import envelope_event_record
from workflows.models import Envelope, EnvelopeField, Party

MAX_LIFETIME = timedelta(days=365)
MM = 72 / 25.4
FIELD_SIZES = {EnvelopeField.Kind.SEAL: (42 * MM, 42 * MM), EnvelopeField.Kind.SIGNATURE: (50 * MM, 20 * MM)}
FIELD_KIND_FOR_PARTY = {Party.Kind.COMPANY: EnvelopeField.Kind.SEAL, Party.Kind.PERSON: EnvelopeField.Kind.SIGNATURE}


def name_checked(value: str) -> str:
    """Names go into mail subjects and PDFs: line breaks, other control characters and
    direction overrides (which show a name reversed) are refused where they are typed."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in BIDI_CONTROLS for character in value):
        raise ApplicationError(
            _("The name cannot contain line breaks or other control characters."), "name_invalid", field="name"
        )
    return value


@transaction.atomic
def envelope_create(
    *,
    document: Document,
    name: str = "",
    message: str = "",
    expires_at: dt.datetime | None = None,
    reminder_interval_days: int | None = None,
    send_final_to_all: bool = True,
    acting_user,
) -> Envelope:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    if document.deleted_at is not None:
        raise ApplicationError(_("This document was deleted."), "document_deleted", status=404)
    now = timezone.now()
    if expires_at is not None and not now < expires_at <= now + MAX_LIFETIME:
        raise ApplicationError(
            _("The expiry date must be in the future and within a year."), "expiry_invalid", field="expires_at"
        )
    if reminder_interval_days is not None and not 1 <= reminder_interval_days <= 30:
        raise ApplicationError(
            _("Reminders can be sent every 1 to 30 days."), "reminder_invalid", field="reminder_interval_days"
        )
    envelope = Envelope.objects.create(
        document=document,
        name=(name_checked(name) or mail_header_text(document.name))[:255],
        message=message,
        expires_at=expires_at,
        reminder_interval_days=reminder_interval_days,
        send_final_to_all=send_final_to_all,
        created_by_id=getattr(acting_user, "audit_user_id", None),
        created_by_label=str(acting_user)[:200],
        owner_email=getattr(acting_user, "email", "") or "",
    )
    envelope_event_record(
        envelope=envelope,
        action="created",
        actor_label=str(acting_user),
        data={"document": document.name, "sha256": document.current_version.sha256},
    )
    return envelope


@transaction.atomic
def envelope_party_add(
    *,
    envelope: Envelope,
    kind: str,
    email: str,
    name: str = "",
    order: int | None = None,
    uscc: str = "",
    id_number: str = "",
    acting_user,
) -> Party:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    assert_draft(envelope)
    if kind not in Party.Kind.values:
        raise ApplicationError(_("Choose the party's role."), "party_kind_invalid", field="kind")
    last_order = envelope.parties.order_by("-order").values_list("order", flat=True).first() or 0
    order = order if order is not None else last_order + 1
    if not 1 <= order <= 50:
        raise ApplicationError(_("The order must be between 1 and 50."), "order_invalid", field="order")
    company_id = None
    if kind == Party.Kind.COMPANY:
        try:
            uscc = uscc_number.validate(uscc or "")
        except Exception as error:  # stdnum raises a family of ValidationError subclasses
            raise ApplicationError(
                _("Enter the company's 18-character unified social credit code."), "uscc_invalid", field="uscc"
            ) from error
        company = company_find_by_uscc(uscc)
        if company is not None:
            company_id, name = company.pk, name or company.name
        # Otherwise the company is invited to register; it is routed here once approved.
    if not name.strip():
        raise ApplicationError(_("Enter the party's name."), "name_missing", field="name")
    name_checked(name)
    party = Party.objects.create(
        envelope=envelope,
        kind=kind,
        order=order,
        name=name.strip()[:200],
        email=email.strip().lower(),
        company_id=company_id,
        uscc=uscc if kind == Party.Kind.COMPANY else "",
        id_number_hash=id_number_hash(id_number, strict=True) if id_number and kind == Party.Kind.PERSON else "",
    )
    return party


@transaction.atomic
def envelope_party_remove(*, party: Party, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    assert_draft(party.envelope)
    party.delete()


@transaction.atomic
def envelope_field_add(
    *,
    party: Party,
    page: int,
    x: float,
    y: float,
    width: float | None = None,
    height: float | None = None,
    centred: bool = False,
    acting_user,
) -> EnvelopeField:
    """`centred`: (x, y) is the clicked point the field is centred on, kept on the page."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = party.envelope
    assert_draft(envelope)
    kind = FIELD_KIND_FOR_PARTY.get(party.kind)
    if kind is None:
        raise ApplicationError(_("Approvers and copy recipients have no fields."), "party_has_no_fields")
    document_assert_fields_may_be_added(envelope.document)
    default_width, default_height = FIELD_SIZES[kind]
    if _shown_turned(envelope.document, page):  # upright as shown (documents/pdf/sign.py turns the stamp)
        default_width, default_height = default_height, default_width
    width = width or default_width
    height = height or default_height * width / default_width
    if centred:
        x, y = rectangle_centred_on_page(envelope.document, page=page, x=x, y=y, width=width, height=height)
    placement_rectangle_check(envelope.document, page=page, x=x, y=y, width=width, height=height)
    field = EnvelopeField(party=party, kind=kind, page=page, x=x, y=y, width=width, height=height)
    # Named after the field's own id: unique in the PDF even after another envelope on the
    # same document, or after a field was removed from this draft.
    field.field_name = f"{kind.capitalize()}-{party.order}-{field.id.hex[:12]}"
    field.save()
    return field


def envelope_field_add_at_text(
    *,
    party: Party,
    text: str,
    acting_user,
    occurrence: int | None = None,
    offset_x: float = 0.0,
    offset_y: float = 0.0,
) -> list[EnvelopeField]:
    """A field for `party` centred on every occurrence of `text` (e.g. 盖章处), or only on the
    `occurrence`-th, moved by the offset (PDF points, right and up), as seals are placed."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    assert_draft(party.envelope)
    hits = text_occurrences(document=party.envelope.document, text=text, occurrence=occurrence)
    with transaction.atomic():
        return [
            envelope_field_add(
                party=party,
                page=hit.page,
                x=hit.centre[0] + offset_x,
                y=hit.centre[1] + offset_y,
                centred=True,
                acting_user=acting_user,
            )
            for hit in hits
        ]


def _shown_turned(document: Document, page: int) -> bool:
    pages = document.current_version.pages
    return 0 <= page < len(pages) and pages[page].get("rotation", 0) % 180 == 90


@transaction.atomic
def envelope_field_move(*, field: EnvelopeField, x: float, y: float, width: float, height: float, acting_user):
    """Move or resize a field while the envelope is a draft. A seal field keeps its
    proportions (height follows width); a signature field takes both."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = field.party.envelope
    assert_draft(envelope)
    if field.kind == EnvelopeField.Kind.SEAL:
        height = width * field.height / field.width
    if not (5 * MM <= width <= 600 and 5 * MM <= height <= 600):
        raise ApplicationError(_("The field would be too small or too large."), "field_size", field="width")
    placement_rectangle_check(envelope.document, page=field.page, x=x, y=y, width=width, height=height)
    field.x, field.y, field.width, field.height = x, y, width, height
    field.save(update_fields=["x", "y", "width", "height"])
    return field


@transaction.atomic
def envelope_field_remove(*, field: EnvelopeField, acting_user) -> None:
    """Take back a field placed by mistake, while the envelope is a draft."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    assert_draft(field.party.envelope)
    field.delete()
