"""Envelopes: a document sent to ordered parties for sealing and signing. Every function
here runs in the owner's schema; a party company's requests arrive through
`workflows/cross_tenant.py`, which sets that schema first."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import unicodedata
from datetime import timedelta

from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check, authority_check_for, current_company
from config.celery import on_commit_enqueue
from config.crypto import decrypt, encrypt, keyed_hash
from config.errors import ApplicationError
from config.mail import BIDI_CONTROLS, mail_header_text
from config.row_locks import lock_row, lock_row_or_none
from documents.models import Document, DocumentVersion, SigningGrant
from workflows.models import Envelope, EnvelopeEvent, EnvelopeField, Party

DEFAULT_LIFETIME = timedelta(days=30)
MAX_LIFETIME = timedelta(days=365)
CODE_LIFETIME = timedelta(minutes=10)
CODE_RESEND_AFTER = timedelta(seconds=60)
CODE_MAX_FAILURES = 5
CODE_LOCK = timedelta(minutes=15)
ID_NUMBER_MAX_FAILURES = 5
LINK_PURPOSE = "envelope-link"
CODE_PURPOSE = "envelope-code"
MM = 72 / 25.4
FIELD_SIZES = {EnvelopeField.Kind.SEAL: (42 * MM, 42 * MM), EnvelopeField.Kind.SIGNATURE: (50 * MM, 20 * MM)}
FIELD_KIND_FOR_PARTY = {Party.Kind.COMPANY: EnvelopeField.Kind.SEAL, Party.Kind.PERSON: EnvelopeField.Kind.SIGNATURE}
GENESIS_HASH = "0" * 64


# --- audit trail -------------------------------------------------------------------


def _event_digest(event: EnvelopeEvent) -> str:
    payload = {
        "envelope": str(event.envelope_id),
        "sequence": event.sequence,
        "occurred_at": event.occurred_at.astimezone(dt.UTC).isoformat(),
        "action": event.action,
        "party": str(event.party_id or ""),
        "actor": event.actor_label,
        "ip": event.ip_address or "",
        "user_agent": event.user_agent,
        "data": event.data,
        "previous": event.previous_hash,
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def envelope_event_record(
    *,
    envelope: Envelope,
    action: str,
    actor_label: str,
    party: Party | None = None,
    ip_address: str | None = None,
    user_agent: str = "",
    data: dict | None = None,
) -> EnvelopeEvent:
    """Append to the hash chain. The envelope row is locked so two events never take the
    same place in the chain."""
    with transaction.atomic():
        lock_row_or_none(Envelope, pk=envelope.pk)
        last = EnvelopeEvent.objects.filter(envelope_id=envelope.pk).order_by("-sequence").first()
        event = EnvelopeEvent(
            envelope_id=envelope.pk,
            sequence=(last.sequence + 1) if last else 1,
            occurred_at=timezone.now(),
            action=action,
            party=party,
            actor_label=str(actor_label)[:200],
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300],
            data=data or {},
            previous_hash=last.hash if last else GENESIS_HASH,
        )
        event.hash = _event_digest(event)
        event.save()
        return event


def envelope_events_verify(*, envelope: Envelope) -> tuple[bool, int | None]:
    """(True, None) when every event's hash is right and links to the one before it;
    otherwise (False, sequence of the first broken event)."""
    previous = GENESIS_HASH
    expected_sequence = 1
    for event in EnvelopeEvent.objects.filter(envelope_id=envelope.pk).order_by("sequence"):
        if event.sequence != expected_sequence or event.previous_hash != previous or _event_digest(event) != event.hash:
            return False, event.sequence
        previous = event.hash
        expected_sequence += 1
    return True, None


def _id_number_hash(value: str, *, strict: bool = False) -> str:
    from accounts.identity import InvalidIdNumber, id_number_clean

    try:
        number = id_number_clean(value)
    except InvalidIdNumber as error:
        if strict:
            raise ApplicationError(
                _("This is not a valid ID number."), "id_number_invalid", field="id_number"
            ) from error
        return ""
    return keyed_hash(number, purpose="envelope-id-number")


def _webhook(envelope: Envelope, event_type: str, **data) -> None:
    from events.webhooks import webhook_event_emit

    webhook_event_emit(event_type=event_type, data={"envelope_id": str(envelope.pk), "name": envelope.name, **data})


# --- drafting ------------------------------------------------------------------------


def _name_checked(value: str) -> str:
    """Names go into mail subjects and PDFs: line breaks, other control characters and
    direction overrides (which show a name reversed) are refused where they are typed."""
    if any(unicodedata.category(character) in ("Cc", "Zl", "Zp") or character in BIDI_CONTROLS for character in value):
        raise ApplicationError(
            _("The name cannot contain line breaks or other control characters."), "name_invalid", field="name"
        )
    return value


def _assert_draft(envelope: Envelope) -> None:
    if envelope.status != Envelope.Status.DRAFT:
        raise ApplicationError(
            _("The envelope was already sent; its parties and fields are fixed."), "not_draft", status=409
        )


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
        name=(_name_checked(name) or mail_header_text(document.name))[:255],
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
    from workflows.cross_tenant import company_find_by_uscc

    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    _assert_draft(envelope)
    if kind not in Party.Kind.values:
        raise ApplicationError(_("Choose the party's role."), "party_kind_invalid", field="kind")
    last_order = envelope.parties.order_by("-order").values_list("order", flat=True).first() or 0
    order = order if order is not None else last_order + 1
    if not 1 <= order <= 50:
        raise ApplicationError(_("The order must be between 1 and 50."), "order_invalid", field="order")
    company_id = None
    if kind == Party.Kind.COMPANY:
        from stdnum.cn import uscc as uscc_number

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
    _name_checked(name)
    party = Party.objects.create(
        envelope=envelope,
        kind=kind,
        order=order,
        name=name.strip()[:200],
        email=email.strip().lower(),
        company_id=company_id,
        uscc=uscc if kind == Party.Kind.COMPANY else "",
        id_number_hash=_id_number_hash(id_number, strict=True) if id_number and kind == Party.Kind.PERSON else "",
    )
    return party


@transaction.atomic
def envelope_field_add(
    *, party: Party, page: int, x: float, y: float, width: float | None = None, height: float | None = None, acting_user
) -> EnvelopeField:
    from documents.services import placement_rectangle_check

    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = party.envelope
    _assert_draft(envelope)
    kind = FIELD_KIND_FOR_PARTY.get(party.kind)
    if kind is None:
        raise ApplicationError(_("Approvers and copy recipients have no fields."), "party_has_no_fields")
    default_width, default_height = FIELD_SIZES[kind]
    width = width or default_width
    height = height or default_height * width / default_width
    placement_rectangle_check(envelope.document, page=page, x=x, y=y, width=width, height=height)
    field = EnvelopeField(party=party, kind=kind, page=page, x=x, y=y, width=width, height=height)
    # Named after the field's own id: unique in the PDF even after another envelope on the
    # same document, or after a field was removed from this draft.
    field.field_name = f"{kind.capitalize()}-{party.order}-{field.id.hex[:12]}"
    field.save()
    return field


@transaction.atomic
def envelope_party_remove(*, party: Party, acting_user) -> None:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    _assert_draft(party.envelope)
    party.delete()


# --- sending and turns --------------------------------------------------------------


def _acting_parties(envelope: Envelope):
    return envelope.parties.filter(kind__in=Party.ACTING_KINDS)


@transaction.atomic
def envelope_send(*, envelope: Envelope, owner, acting_user, ip_address: str | None = None) -> Envelope:
    """Freeze the fields into the PDF (one empty signature field per place), open the
    routes and notify the first group."""
    from documents.pdf.fields import FieldBox, signature_field_names, signature_fields_add
    from documents.services import document_version_create, sha256_of
    from tenants.selectors import membership_in_force
    from workflows.cross_tenant import route_open

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
    _assert_draft(envelope)
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
    if taken := {box.name for box in boxes} & set(signature_field_names(data)):
        raise ApplicationError(
            _("The document already has a signature field named %(name)s. Place the fields again.")
            % {"name": sorted(taken)[0]},
            "field_name_taken",
            status=409,
        )
    prepared = signature_fields_add(data, boxes)
    from documents.pdf.inspect import PageBox, PdfInfo

    info = PdfInfo(
        page_count=base.page_count,
        pages=[PageBox(**page) for page in base.pages],
        signatures=[None] * base.signature_count,
    )
    version = document_version_create(
        document=document,
        number=base.number + 1,
        kind=DocumentVersion.Kind.PREPARED,
        data=prepared,
        info=info,
        label=str(acting_user),
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
            _party_link_new(party)
            party.save(update_fields=["token_hash", "token_encrypted"])
        route_open(owner=owner, envelope=envelope, party=party)
    envelope_event_record(
        envelope=envelope,
        action="sent",
        actor_label=str(acting_user),
        ip_address=ip_address,
        data={"sha256": version.sha256, "parties": len(parties)},
    )
    _webhook(envelope, "envelope.sent", sha256=version.sha256)
    _next_turn(envelope)
    return envelope


def _next_turn(envelope: Envelope) -> None:
    """Activate the next group once no acting party is still active; complete when none
    is left."""
    if _acting_parties(envelope).filter(status=Party.Status.ACTIVE).exists():
        return
    waiting = _acting_parties(envelope).filter(status=Party.Status.WAITING)
    next_order = waiting.order_by("order").values_list("order", flat=True).first()
    if next_order is None:
        from workflows.tasks import envelope_complete

        on_commit_enqueue(envelope_complete, str(envelope.pk))
        return
    for party in waiting.filter(order=next_order):
        _party_activate(envelope, party)


def _party_activate(envelope: Envelope, party: Party) -> None:
    from workflows.cross_tenant import route_status_set
    from workflows.tasks import envelope_mail

    party.status = Party.Status.ACTIVE
    party.notified_at = timezone.now()
    party.save(update_fields=["status", "notified_at"])
    route_status_set(party=party, status="active")
    envelope_event_record(
        envelope=envelope, action="notified", party=party, actor_label="Sealhub", data={"email": party.email}
    )
    on_commit_enqueue(envelope_mail, str(party.pk), "turn")


def _party_link_new(party: Party) -> None:
    token = secrets.token_urlsafe(32)
    party.token_hash = keyed_hash(token, purpose=LINK_PURPOSE)
    party.token_encrypted = encrypt(token.encode(), purpose=LINK_PURPOSE, associated_data=str(party.pk).encode())
    party.id_number_failures = 0  # a new link from the sender: the person may try again


def party_link_token(party: Party) -> str:
    """The person's link token, for the mail that carries it (worker side)."""
    return decrypt(bytes(party.token_encrypted), purpose=LINK_PURPOSE, associated_data=str(party.pk).encode()).decode()


def token_hash_of(token: str) -> str:
    return keyed_hash(token, purpose=LINK_PURPOSE)


def _assert_open(envelope: Envelope) -> None:
    if envelope.status != Envelope.Status.IN_PROGRESS:
        raise ApplicationError(
            _("This envelope is %(status)s; nothing more can be done on it.")
            % {"status": envelope.get_status_display()},
            "envelope_closed",
            status=409,
        )
    if envelope.expires_at and envelope.expires_at <= timezone.now():
        raise ApplicationError(_("This envelope has expired."), "envelope_expired", status=409)


def _assert_turn(party: Party) -> None:
    _assert_open(party.envelope)
    if party.status == Party.Status.WAITING:
        raise ApplicationError(
            _("It is not your turn yet: earlier parties have not finished."), "not_your_turn", status=409
        )
    if party.status != Party.Status.ACTIVE:
        raise ApplicationError(_("You have already acted on this envelope."), "already_acted", status=409)


def _party_locked(party_id) -> Party:
    return lock_row(Party, related=("envelope__document",), only_self=True, pk=party_id)


def envelope_party_may_sign(*, party_id) -> bool:
    party = Party.objects.select_related("envelope").filter(pk=party_id).first()
    return party is not None and party.status == Party.Status.ACTIVE and party.envelope.is_open


def envelope_party_viewed(*, party: Party, actor_label: str, ip_address=None, user_agent: str = "") -> None:
    if party.viewed_at is None:
        with transaction.atomic():
            Party.objects.filter(pk=party.pk, viewed_at__isnull=True).update(viewed_at=timezone.now())
            envelope_event_record(
                envelope=party.envelope,
                action="viewed",
                party=party,
                actor_label=actor_label,
                ip_address=ip_address,
                user_agent=user_agent,
            )


def _party_placements(party: Party) -> list[dict]:
    return [
        {"page": f.page, "x": f.x, "y": f.y, "width": f.width, "height": f.height, "field_name": f.field_name}
        for f in party.fields.all()
    ]


def envelope_company_seal_request(
    *,
    party_id,
    company,
    user,
    seal_id,
    seal_password: str,
    otp_method: str,
    otp_code: str,
    ip_address: str | None = None,
    user_agent: str = "",
) -> SigningGrant:
    """A party company's member seals the party's fields with one of their company's
    seals, after the same willingness check as any sealing."""
    from accounts.models import Membership
    from documents.services import seal_willingness_check, signing_grant_create
    from seals.selectors import seal_member_may_use_directly, seal_usable_get

    authority_check_for(acting_user=user, company=company, action=Action.INBOX_ACT)
    party = Party.objects.select_related("envelope__document__current_version").get(pk=party_id)
    if party.kind != Party.Kind.COMPANY or party.company_id != company.pk:
        raise ApplicationError(_("This envelope is not waiting for your company."), "not_party", status=404)
    _assert_turn(party)
    seal = seal_usable_get(company=company, seal_id=seal_id)
    membership = Membership.objects.filter(user=user, company=company).first()
    if membership is None or not seal_member_may_use_directly(seal=seal, membership=membership):
        # Seal-use approvals name documents of the company's own; an envelope needs a
        # member who may use the seal directly.
        raise ApplicationError(
            _("You are not authorised to use this seal. Ask the seal keeper to authorise you."),
            "seal_not_authorised",
            status=403,
        )
    data_key = seal_willingness_check(
        seal=seal,
        user=user,
        seal_password=seal_password,
        otp_method=otp_method,
        otp_code=otp_code,
        ip_address=ip_address,
    )
    with transaction.atomic():
        party = _party_locked(party.pk)
        _assert_turn(party)
        grant = signing_grant_create(
            document=party.envelope.document,
            seal_id=seal.pk,
            user_id=user.pk,
            user_label=f"{user} · {company.name}",
            placements=_party_placements(party),
            secret=data_key,
            evidence={"method": otp_method, "at": timezone.now().isoformat(), "ip": ip_address, "party": str(party.pk)},
            envelope_party_id=party.pk,
        )
        envelope_event_record(
            envelope=party.envelope,
            action="signing_confirmed",
            party=party,
            actor_label=f"{user} · {company.name}",
            ip_address=ip_address,
            user_agent=user_agent,
            data={"seal": seal.code, "method": otp_method, "job": str(grant.pk)},
        )
    return grant


# --- persons and approvers (public link + email code) -------------------------------


def envelope_party_code_send(*, party_id, ip_address=None, user_agent: str = "") -> None:
    from workflows.tasks import envelope_mail

    with transaction.atomic():
        party = _party_locked(party_id)
        _assert_turn(party)
        now = timezone.now()
        if party.code_sent_at and party.code_sent_at > now - CODE_RESEND_AFTER:
            raise ApplicationError(
                _("A code was sent less than a minute ago. Check your mailbox."), "code_too_soon", status=429
            )
        code = f"{secrets.randbelow(10**6):06d}"
        party.code_hash = keyed_hash(f"{party.pk}:{code}", purpose=CODE_PURPOSE)
        party.code_sent_at = now
        party.code_expires_at = now + CODE_LIFETIME
        party.code_failures = 0
        party.save(update_fields=["code_hash", "code_sent_at", "code_expires_at", "code_failures"])
        envelope_event_record(
            envelope=party.envelope,
            action="code_sent",
            party=party,
            actor_label=party.name,
            ip_address=ip_address,
            user_agent=user_agent,
            data={"email": party.email},
        )
        # The code travels encrypted: the broker must not carry secrets in clear.
        sealed = encrypt(code.encode(), purpose=CODE_PURPOSE, associated_data=str(party.pk).encode()).hex()
        on_commit_enqueue(envelope_mail, str(party.pk), "code", sealed)


def party_code_open(party: Party, sealed: str) -> str:
    return decrypt(bytes.fromhex(sealed), purpose=CODE_PURPOSE, associated_data=str(party.pk).encode()).decode()


def envelope_party_code_check(*, party_id, code: str, ip_address=None, user_agent: str = "") -> None:
    """A wrong code counts; five wrong codes lock the link for 15 minutes."""
    with transaction.atomic():
        party = _party_locked(party_id)
        _assert_turn(party)
        now = timezone.now()
        if party.code_locked_until and party.code_locked_until > now:
            raise ApplicationError(
                _("Too many wrong codes. Try again after %(time)s.")
                % {"time": timezone.localtime(party.code_locked_until).strftime("%H:%M")},
                "code_locked",
                status=429,
                field="code",
            )
        if not party.code_hash or not party.code_expires_at or party.code_expires_at <= now:
            raise ApplicationError(_("The code has expired. Request a new one."), "code_expired", field="code")
        expected = keyed_hash(f"{party.pk}:{(code or '').strip()}", purpose=CODE_PURPOSE)
        wrong = not secrets.compare_digest(expected, party.code_hash)
        if wrong:
            # Counted in this transaction, which commits; the error is raised after it.
            party.code_failures += 1
            if party.code_failures >= CODE_MAX_FAILURES:
                party.code_locked_until = now + CODE_LOCK
                party.code_hash = ""
            party.save(update_fields=["code_failures", "code_locked_until", "code_hash"])
        else:
            party.code_hash = ""  # single use
            party.code_failures = 0
            party.save(update_fields=["code_hash", "code_failures"])
            envelope_event_record(
                envelope=party.envelope,
                action="code_passed",
                party=party,
                actor_label=party.name,
                ip_address=ip_address,
                user_agent=user_agent,
            )
    if wrong:
        raise ApplicationError(_("The code is not correct."), "code_invalid", field="code")


def envelope_person_sign(*, party_id, id_number: str = "", ip_address=None, user_agent: str = "") -> SigningGrant:
    """After the email code: a one-off key and certificate for this person, used once by
    the worker to sign the person's fields."""
    with transaction.atomic():
        party = _party_locked(party_id)
        _assert_turn(party)
        if party.kind != Party.Kind.PERSON:
            raise ApplicationError(_("Only persons sign with a signature."), "not_person", status=409)
        if party.id_number_failures >= ID_NUMBER_MAX_FAILURES:
            raise ApplicationError(
                _("Too many wrong ID numbers. Ask the sender to send you a new link."),
                "id_number_locked",
                status=429,
                field="id_number",
            )
        mismatch = bool(party.id_number_hash) and _id_number_hash(id_number or "") != party.id_number_hash
        if mismatch:
            # Its own count: a new email code must not buy more guesses at someone's ID number.
            party.id_number_failures += 1
            party.save(update_fields=["id_number_failures"])
        else:
            grant = _person_grant_create(party, ip_address=ip_address, user_agent=user_agent)
    if mismatch:  # raised after the transaction so the count is kept
        raise ApplicationError(
            _("The ID number does not match the one the sender gave."), "id_number_mismatch", field="id_number"
        )
    return grant


def _person_grant_create(party: Party, *, ip_address, user_agent: str) -> SigningGrant:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    from documents.services import signing_grant_create
    from seals import ca, pki

    private_key = ec.generate_private_key(ec.SECP256R1())
    ca_key, ca_cert = pki.authority(pki.Role.SEAL_CA)
    certificate = ca.issue_person_certificate(
        ca_key,
        ca_cert,
        private_key.public_key(),
        name=party.name,
        email=party.email,
        crl_url=pki.crl_url(),
        ocsp_url=pki.ocsp_url(),
    )
    grant = signing_grant_create(
        document=party.envelope.document,
        seal_id=None,
        user_id=None,
        user_label=party.name,
        placements=_party_placements(party),
        secret=private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        evidence={"method": "email", "at": timezone.now().isoformat(), "ip": ip_address, "party": str(party.pk)},
        envelope_party_id=party.pk,
        certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(),
    )
    envelope_event_record(
        envelope=party.envelope,
        action="signing_confirmed",
        party=party,
        actor_label=party.name,
        ip_address=ip_address,
        user_agent=user_agent,
        data={"method": "email", "job": str(grant.pk)},
    )
    return grant


@transaction.atomic
def envelope_party_approve(*, party_id, actor_label: str = "", ip_address=None, user_agent: str = "") -> Party:
    party = _party_locked(party_id)
    actor_label = actor_label or party.name
    _assert_turn(party)
    if party.kind != Party.Kind.APPROVER:
        raise ApplicationError(_("Only approvers approve without signing."), "not_approver", status=409)
    _party_done(party, actor_label)
    envelope_event_record(
        envelope=party.envelope,
        action="approved",
        party=party,
        actor_label=actor_label,
        ip_address=ip_address,
        user_agent=user_agent,
    )
    _webhook(
        party.envelope,
        "envelope.party_signed",
        party_id=str(party.pk),
        party_name=party.name,
        order=party.order,
        approved_only=True,
    )
    _next_turn(party.envelope)
    return party


def _party_done(party: Party, actor_label: str) -> None:
    from workflows.cross_tenant import route_status_set

    party.status = Party.Status.COMPLETED
    party.acted_at = timezone.now()
    party.acted_by_label = actor_label[:200]
    party.save(update_fields=["status", "acted_at", "acted_by_label"])
    route_status_set(party=party, status="done")


def envelope_party_signed(*, party_id, version: DocumentVersion) -> None:
    """Called by the sealing job, in its transaction, once a party's fields are signed."""
    party = _party_locked(party_id)
    if party.status != Party.Status.ACTIVE:
        return
    _party_done(party, party.acted_by_label or version.created_by_label)
    envelope_event_record(
        envelope=party.envelope,
        action="signed",
        party=party,
        actor_label=version.created_by_label,
        data={"version": version.number, "sha256": version.sha256},
    )
    _webhook(
        party.envelope,
        "envelope.party_signed",
        party_id=str(party.pk),
        party_name=party.name,
        order=party.order,
        version=version.number,
        sha256=version.sha256,
    )
    _next_turn(party.envelope)


def envelope_integrity_alert(*, party_id, version: DocumentVersion) -> None:
    """The stored file no longer matches its fingerprint: stop and tell the owner."""
    from workflows.tasks import envelope_mail_owner

    party = Party.objects.select_related("envelope").get(pk=party_id)
    envelope = party.envelope
    envelope.problem = f"fingerprint_mismatch:{version.number}"
    envelope.save(update_fields=["problem"])
    envelope_event_record(
        envelope=envelope,
        action="integrity_alert",
        party=party,
        actor_label="Sealhub",
        data={"version": version.number, "expected_sha256": version.sha256},
    )
    on_commit_enqueue(envelope_mail_owner, str(envelope.pk), "integrity")


@transaction.atomic
def envelope_party_decline(
    *, party_id, reason: str, actor_label: str = "", ip_address=None, user_agent: str = ""
) -> Party:
    """`actor_label` defaults to the party's own name (a person acting by link)."""
    party = _party_locked(party_id)
    actor_label = actor_label or party.name
    _assert_turn(party)
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError(_("Say why you decline."), "reason_missing", field="reason")
    party.status = Party.Status.DECLINED
    party.decline_reason = reason[:2000]
    party.acted_at = timezone.now()
    party.acted_by_label = actor_label[:200]
    party.save(update_fields=["status", "decline_reason", "acted_at", "acted_by_label"])
    envelope_event_record(
        envelope=party.envelope,
        action="declined",
        party=party,
        actor_label=actor_label,
        ip_address=ip_address,
        user_agent=user_agent,
        data={"reason": reason[:2000]},
    )
    _envelope_close(party.envelope, Envelope.Status.DECLINED, notify="declined")
    _webhook(party.envelope, "envelope.declined", party_id=str(party.pk), party_name=party.name, reason=reason)
    return party


@transaction.atomic
def envelope_party_reassign(*, party_id, company, colleague, acting_user, ip_address=None) -> Party:
    """A company party hands its turn to a colleague (who must be a member)."""
    from accounts.models import Membership
    from workflows.tasks import envelope_mail

    authority_check_for(acting_user=acting_user, company=company, action=Action.INBOX_ACT)
    party = _party_locked(party_id)
    if party.kind != Party.Kind.COMPANY or party.company_id != company.pk:
        raise ApplicationError(_("This envelope is not waiting for your company."), "not_party", status=404)
    _assert_turn(party)
    if not Membership.objects.filter(company=company, user=colleague).exists():
        raise ApplicationError(_("Choose a member of your company."), "not_member", field="colleague")
    previous = party.email
    party.email = colleague.email
    party.save(update_fields=["email"])
    envelope_event_record(
        envelope=party.envelope,
        action="reassigned",
        party=party,
        actor_label=str(acting_user),
        ip_address=ip_address,
        data={"from": previous, "to": colleague.email},
    )
    on_commit_enqueue(envelope_mail, str(party.pk), "turn")
    return party


# --- owner actions ------------------------------------------------------------------


def _envelope_close(envelope: Envelope, status: str, *, notify: str) -> None:
    from workflows.cross_tenant import routes_close
    from workflows.tasks import envelope_mail, envelope_mail_owner

    envelope.status = status
    envelope.finished_at = timezone.now()
    envelope.save(update_fields=["status", "finished_at"])
    reached = list(
        envelope.parties.exclude(notified_at=None).exclude(status=Party.Status.DECLINED).values_list("pk", flat=True)
    )
    envelope.parties.filter(status__in=[Party.Status.WAITING, Party.Status.ACTIVE]).update(status=Party.Status.CLOSED)
    routes_close(envelope=envelope)
    on_commit_enqueue(envelope_mail_owner, str(envelope.pk), notify)
    for party_id in reached:
        on_commit_enqueue(envelope_mail, str(party_id), notify)


def _envelope_locked(envelope: Envelope) -> Envelope:
    return lock_row(Envelope, pk=envelope.pk)


@transaction.atomic
def envelope_cancel(*, envelope: Envelope, reason: str = "", acting_user, ip_address=None) -> Envelope:
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = _envelope_locked(envelope)
    if envelope.status not in (Envelope.Status.DRAFT, Envelope.Status.IN_PROGRESS):
        raise ApplicationError(
            _("Only a draft or an envelope in progress can be canceled."), "envelope_closed", status=409
        )
    envelope_event_record(
        envelope=envelope,
        action="canceled",
        actor_label=str(acting_user),
        ip_address=ip_address,
        data={"reason": reason[:2000]},
    )
    _envelope_close(envelope, Envelope.Status.CANCELED, notify="canceled")
    return envelope


@transaction.atomic
def envelope_remind(*, envelope: Envelope, acting_user=None, ip_address=None) -> int:
    """Repeat the notification to every party whose turn it is; the same link works."""
    from workflows.tasks import envelope_mail

    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    envelope = _envelope_locked(envelope)
    _assert_open(envelope)
    active = list(_acting_parties(envelope).filter(status=Party.Status.ACTIVE))
    envelope.last_reminded_at = timezone.now()
    envelope.save(update_fields=["last_reminded_at"])
    for party in active:
        actor = str(acting_user) if acting_user else "Sealhub"
        envelope_event_record(
            envelope=envelope, action="reminded", party=party, actor_label=actor, ip_address=ip_address
        )
        on_commit_enqueue(envelope_mail, str(party.pk), "reminder")
    return len(active)


@transaction.atomic
def envelope_party_email_correct(*, party: Party, email: str, acting_user, ip_address=None) -> Party:
    """Before the party acted: fix a mistyped address. A new link replaces the old one."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from workflows.cross_tenant import route_token_set
    from workflows.tasks import envelope_mail

    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    party = _party_locked(party.pk)
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
        _party_link_new(party)
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


def envelope_deadlines_run() -> dict:
    """Beat, per company: expire what is past its date, remind where an interval is due."""
    now = timezone.now()
    expired = 0
    for envelope in Envelope.objects.filter(status=Envelope.Status.IN_PROGRESS, expires_at__lte=now):
        with transaction.atomic():
            envelope = _envelope_locked(envelope)
            if envelope.status != Envelope.Status.IN_PROGRESS:
                continue
            envelope_event_record(envelope=envelope, action="expired", actor_label="Sealhub")
            _webhook(envelope, "envelope.expired")
            _envelope_close(envelope, Envelope.Status.EXPIRED, notify="expired")
            expired += 1
    reminded = 0
    due = Envelope.objects.filter(
        Q(status=Envelope.Status.IN_PROGRESS), Q(reminder_interval_days__isnull=False), Q(expires_at__gt=now)
    )
    for envelope in due:
        if envelope.last_reminded_at and envelope.last_reminded_at > now - timedelta(
            days=envelope.reminder_interval_days
        ):
            continue
        reminded += envelope_remind(envelope=envelope)
    return {"expired": expired, "reminded": reminded, "completions_queued": envelope_completions_requeue()}


def envelope_completions_requeue(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Every party has acted but the envelope is still open: its completion job was lost
    (a broker outage). Queue it again; completing is safe to run twice. Envelopes stopped
    by an integrity alert wait for the owner instead."""
    from workflows.tasks import envelope_complete

    open_party = Party.objects.filter(envelope=OuterRef("pk"), kind__in=Party.ACTING_KINDS).exclude(
        status=Party.Status.COMPLETED
    )
    last_act = (
        Party.objects.filter(envelope=OuterRef("pk"), kind__in=Party.ACTING_KINDS)  # copy recipients never act
        .order_by(F("acted_at").desc(nulls_last=True))
        .values("acted_at")[:1]
    )
    stalled = (
        Envelope.objects.filter(status=Envelope.Status.IN_PROGRESS, problem="")
        .annotate(last_act=Subquery(last_act))
        .filter(~Exists(open_party), last_act__lte=timezone.now() - older_than)
    )
    queued = 0
    for envelope_id in stalled.values_list("pk", flat=True):
        on_commit_enqueue(envelope_complete, str(envelope_id))
        queued += 1
    return queued


# --- completion ---------------------------------------------------------------------


def envelope_complete(*, envelope_id) -> Envelope | None:
    """Worker: close the document with a timestamp, write the certificate of completion,
    deliver copies to every party company and mail the results. Safe to run twice."""

    from documents.pdf.fields import document_timestamp_add
    from documents.pdf.inspect import PageBox, PdfInfo
    from documents.services import (
        document_list_changes_batched,
        document_version_create,
        platform_timestamping,
        sha256_of,
    )
    from documents.stored_files import stored_files_removed_on_failure
    from workflows.cross_tenant import routes_close
    from workflows.tasks import envelope_mail, envelope_mail_owner

    # A failed attempt rolls back its rows and deletes its files; the task retries.
    with stored_files_removed_on_failure(), transaction.atomic():
        envelope = lock_row_or_none(Envelope, pk=envelope_id)
        if envelope is None or envelope.status != Envelope.Status.IN_PROGRESS:
            return envelope
        if _acting_parties(envelope).exclude(status=Party.Status.COMPLETED).exists():
            return envelope
        document = lock_row(Document, pk=envelope.document_id)
        base = document.current_version
        with base.file.open("rb") as handle:
            data = handle.read()
        if sha256_of(data) != base.sha256:
            envelope.problem = f"fingerprint_mismatch:{base.number}"
            envelope.save(update_fields=["problem"])
            envelope_event_record(
                envelope=envelope, action="integrity_alert", actor_label="Sealhub", data={"version": base.number}
            )
            return envelope
        final = document_timestamp_add(data, platform_timestamping())
        info = PdfInfo(
            page_count=base.page_count,
            pages=[PageBox(**page) for page in base.pages],
            signatures=[None] * (base.signature_count + 1),
        )
        with document_list_changes_batched():  # the owner's and every party company's documents
            version = document_version_create(
                document=document,
                number=base.number + 1,
                kind=DocumentVersion.Kind.TIMESTAMPED,
                data=final,
                info=info,
                label="Sealhub",
            )
            _complete_and_deliver(envelope, version, final)
        routes_close(envelope=envelope, status="done")
        on_commit_enqueue(envelope_mail_owner, str(envelope.pk), "completed")
        if envelope.send_final_to_all:
            for party_id in envelope.parties.values_list("pk", flat=True):
                on_commit_enqueue(envelope_mail, str(party_id), "completed")
        return envelope


def _complete_and_deliver(envelope: Envelope, version: DocumentVersion, final: bytes) -> None:
    from django.core.files.base import ContentFile

    from documents.services import sha256_of
    from documents.stored_files import stored_file_note
    from workflows.certificate import completion_certificate_pdf
    from workflows.cross_tenant import final_copies_deliver

    envelope.status = Envelope.Status.COMPLETED
    envelope.finished_at = timezone.now()
    envelope.final_version = version
    envelope.save(update_fields=["status", "finished_at", "final_version"])
    envelope_event_record(
        envelope=envelope,
        action="completed",
        actor_label="Sealhub",
        data={"version": version.number, "sha256": sha256_of(final)},
    )
    _webhook(envelope, "envelope.completed", version=version.number, sha256=version.sha256)
    certificate = completion_certificate_pdf(envelope=envelope, final_sha256=version.sha256)
    envelope.certificate.save("certificate-of-completion.pdf", ContentFile(certificate), save=False)
    stored_file_note(envelope.certificate)
    envelope.save(update_fields=["certificate"])
    final_copies_deliver(envelope=envelope, final_pdf=final, certificate_pdf=certificate)


def envelope_file_read(*, envelope: Envelope, which: str, actor_label: str, ip_address=None) -> tuple[str, bytes]:
    """The final PDF or the certificate of completion, once complete; the download is
    part of the audit trail."""
    file = envelope.final_version.file if which == "final" and envelope.final_version else envelope.certificate
    if envelope.status != Envelope.Status.COMPLETED or not file:
        raise ApplicationError(_("The envelope is not complete yet."), "not_completed", status=404)
    with file.open("rb") as handle:
        data = handle.read()
    envelope_event_record(
        envelope=envelope, action="downloaded", actor_label=actor_label, ip_address=ip_address, data={"file": which}
    )
    suffix = "" if which == "final" else "-certificate"
    return f"{envelope.name}{suffix}.pdf", data


@transaction.atomic
def envelope_field_remove(*, field: EnvelopeField, acting_user) -> None:
    """Take back a field placed by mistake, while the envelope is a draft."""
    authority_check_for(acting_user=acting_user, company=current_company(), action=Action.ENVELOPE_SEND)
    _assert_draft(field.party.envelope)
    field.delete()
