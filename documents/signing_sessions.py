"""Sealing with a hardware key (U-key): the server prepares each signature, the local
agent (`python -m seals.agent`) signs on the token and posts the signature back, the
worker embeds it with a timestamp and stores the new version.

The willingness check is the one-time code here; the U-key PIN plays the seal
password's part and never leaves the user's computer."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import OneTimeCode, User
from accounts.two_factor import second_factor_verify
from config.celery import on_commit_enqueue
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.models import SEALING_REFUSALS, Document, DocumentVersion, SigningSession
from documents.pdf import remote
from documents.pdf.inspect import InvalidPdf
from documents.pdf.sign import Placement as PdfPlacement
from documents.services.placements import placements_as_data
from documents.services.reading import sha256_of
from documents.services.seal_use import seal_use_approval_consume, seal_use_authorise, seal_user_authority_in_force
from documents.services.sealing import ofd_seal_assert_usable, signed_to_company_level
from documents.services.signers import platform_timestamping, seal_chain_pem, seal_reason
from documents.services.versions import sealed_version_record
from documents.tasks import document_seal_session_finish
from events.services import audit_event_record
from seals.image import seal_pdf
from seals.models import Seal
from seals.services import seal_face
from tenants.models import Company

SESSION_LIFETIME = timedelta(minutes=10)
AUTHORIZATION_SCHEME = "Signing-Session"


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _prepare_step(session: SigningSession, data: bytes, seal: Seal) -> None:
    """Prepare the signature of placement number `session.step` on top of `data`."""
    placement = dict(session.placements[session.step])
    existing_field = placement.pop("field_name", "")
    try:
        prepared = remote.prepare(
            data,
            placement=PdfPlacement(**placement),
            appearance_pdf=seal_pdf(seal_face(seal)),
            certificate_pem=seal.certificate_pem,
            chain_pem=seal_chain_pem(seal),
            field_name=existing_field or f"Seal-{seal.code}-{session.pk.hex[:8]}-{session.step + 1}",
            reason=seal_reason(seal),
            existing_field=bool(existing_field),
        )
    except InvalidPdf as refusal:  # the file forbids it: say why, never a server error
        message = SEALING_REFUSALS.get(refusal.code, SEALING_REFUSALS["malformed"])
        raise ApplicationError(str(message), f"document_{refusal.code}", status=409) from refusal
    session.prepared_pdf = prepared.pdf
    session.reserved_start, session.reserved_end = prepared.reserved_start, prepared.reserved_end
    session.document_digest = prepared.document_digest
    session.signed_attributes = prepared.signed_attributes
    session.signature = None


def _prepared(session: SigningSession) -> remote.PreparedSignature:
    return remote.PreparedSignature(
        pdf=bytes(session.prepared_pdf),
        reserved_start=session.reserved_start,
        reserved_end=session.reserved_end,
        document_digest=bytes(session.document_digest),
        signed_attributes=bytes(session.signed_attributes),
    )


def to_be_signed_sha256(session: SigningSession) -> str:
    return hashlib.sha256(bytes(session.signed_attributes)).hexdigest() if session.signed_attributes else ""


def document_seal_session_start(
    *,
    document: Document,
    company: Company,
    seal_id,
    user: User,
    otp_method: str,
    otp_code: str,
    ip_address: str | None = None,
) -> tuple[SigningSession, str]:
    """Willingness check (one-time code), then the first signature is prepared. Returns
    the session and its one-time token, shown once (only its hash is stored)."""
    authorised = seal_use_authorise(company=company, seal_id=seal_id, user=user, document=document)
    seal, approval, placements = authorised.seal, authorised.approval, authorised.placements
    if not seal.on_hardware_token:
        raise ApplicationError(
            _("This seal is used with its seal password, not with a U-key."), "seal_not_on_hardware_key", status=409
        )
    ofd_seal_assert_usable(document=document, seal=seal)
    second_factor_verify(
        user=user, method=otp_method, token=otp_code, ip_address=ip_address, purpose=OneTimeCode.Purpose.SEAL_USE
    )
    base = document.current_version
    with base.file.open("rb") as handle:
        data = handle.read()
    if sha256_of(data) != base.sha256:
        raise ApplicationError(
            _("The stored file does not match its fingerprint; nothing was sealed."), "fingerprint_mismatch", status=409
        )
    # A prefix, so a token that happens to start with "-" is never read as an option.
    token = "sst_" + secrets.token_urlsafe(32)
    with transaction.atomic():
        if approval is not None:
            approval = seal_use_approval_consume(approval_id=approval.pk, seal_id=seal.pk, user=user, document=document)
        session = SigningSession(
            document=document,
            base_version=base,
            seal_id=seal.pk,
            user_id=user.pk,
            user_label=str(user)[:200],
            placements=placements_as_data(placements),
            token_hash=_token_hash(token),
            expires_at=timezone.now() + SESSION_LIFETIME,
            evidence={
                "method": otp_method,
                "at": timezone.now().isoformat(),
                "ip": ip_address,
                "approval": str(approval.pk) if approval is not None else None,
                "device": "hardware key",
            },
        )
        _prepare_step(session, data, seal)
        session.save()
        audit_event_record(
            acting_user=user,
            action="document.seal_session_started",
            target=document,
            data={"seal": seal.code, "placements": len(placements), "session": str(session.pk)},
        )
    return session, token


def signing_session_for_token(*, session_id, token: str) -> SigningSession:
    """The session this one-time token opens; 404 for any other token (nothing told)."""
    session = SigningSession.objects.select_related("document", "base_version").filter(pk=session_id).first()
    if session is None or not hmac.compare_digest(session.token_hash, _token_hash(token or "")):
        raise ApplicationError(_("There is no such signing session."), "session_unknown", status=404)
    return session


def signing_session_status(session: SigningSession) -> str:
    """The status as the agent and the page should see it: a waiting session past its
    time is expired even before anything wrote that down."""
    if session.status == SigningSession.Status.WAITING and session.expires_at <= timezone.now():
        return SigningSession.Status.EXPIRED
    return session.status


SESSION_CLOSED = {
    SigningSession.Status.DONE: ("session_used", lambda: _("This signing session was already used.")),
    SigningSession.Status.FAILED: ("session_failed", lambda: _("This signing session failed. Start again.")),
    SigningSession.Status.EXPIRED: (
        "session_expired",
        lambda: _("This signing session expired (10 minutes). Start again."),
    ),
}


def signing_session_signature_submit(
    *, session_id, token: str, step: int, signed_attributes_sha256: str, signature: bytes
) -> SigningSession:
    """Accept the token's signature for the current step if it verifies with the seal's
    certificate; the worker embeds it. Anything wrong → a clear error, nothing stored."""
    refusal = None
    with transaction.atomic():
        session = signing_session_for_token(session_id=session_id, token=token)
        session = lock_row(SigningSession, pk=session.pk)
        status = signing_session_status(session)
        if status == SigningSession.Status.EXPIRED and session.status != status:
            _close(session, SigningSession.Status.EXPIRED, "expired")
        if status in SESSION_CLOSED:
            refusal = SESSION_CLOSED[status]
    if refusal is not None:
        code, message = refusal
        raise ApplicationError(message(), code, status=410)
    with transaction.atomic():
        session = lock_row(SigningSession, pk=session_id)
        if session.status != SigningSession.Status.WAITING:
            raise ApplicationError(
                _("A signature for this step was already received."), "signature_already_received", status=409
            )
        expected = to_be_signed_sha256(session)
        if step != session.step or not hmac.compare_digest(signed_attributes_sha256.lower(), expected):
            raise ApplicationError(
                _("This signature was made for another document or step. Nothing was stored."),
                "signature_for_other_data",
                status=409,
            )
        seal = Seal.objects.get(pk=session.seal_id)
        try:
            remote.signature_check(
                certificate_pem=seal.certificate_pem,
                signed_attributes=bytes(session.signed_attributes),
                signature=signature,
            )
        except remote.SignatureMismatch:
            raise ApplicationError(
                _(
                    "The signature does not match the seal's registered certificate: it was made with another key. "
                    "Nothing was stored."
                ),
                "signature_mismatch",
                field="signature",
            ) from None
        session.signature = signature
        session.status = SigningSession.Status.FINISHING
        session.save(update_fields=["signature", "status"])
        audit_event_record(
            acting_user=None,
            actor_label=session.user_label,
            action="document.seal_signature_received",
            target=session.document,
            data={"session": str(session.pk), "step": step + 1},
        )
        on_commit_enqueue(document_seal_session_finish, str(session.pk))
    return session


def signing_session_finish_execute(*, session_id) -> DocumentVersion | None:
    """Run by the worker: embed the received signature with a timestamp; prepare the
    next placement, or store the new version. Idempotent like `document_seal_execute`."""
    with transaction.atomic():
        session = lock_row(SigningSession, related=("base_version",), pk=session_id)
        if session.status == SigningSession.Status.DONE:
            return session.result_version
        if session.status != SigningSession.Status.FINISHING:
            return None
        session.attempts += 1
        session.save(update_fields=["attempts"])
        document = lock_row(Document, pk=session.document_id)
        if document.current_version_id != session.base_version_id:
            _close(session, SigningSession.Status.FAILED, "document_changed")
            return None
        seal = Seal.objects.select_related("company").get(pk=session.seal_id)
        if seal.status != Seal.Status.ACTIVE:
            _close(session, SigningSession.Status.FAILED, "seal_inactive")
            return None
        if not seal_user_authority_in_force(seal=seal, user_id=session.user_id, evidence=session.evidence):
            _close(session, SigningSession.Status.FAILED, "authority_lost")
            return None
        try:
            signed = remote.finish(
                _prepared(session),
                signature=bytes(session.signature),
                certificate_pem=seal.certificate_pem,
                chain_pem=seal_chain_pem(seal),
                timestamping=platform_timestamping(),
            )
        except (remote.SignatureMismatch, remote.SignedPdfInvalid):
            _close(session, SigningSession.Status.FAILED, "failed")
            return None
        if session.step + 1 < len(session.placements):
            session.step += 1
            _prepare_step(session, signed, seal)
            session.status = SigningSession.Status.WAITING
            session.save()
            return None
        # The browser's token made a B-T signature; the company's level is reached here.
        signed, renew_by = signed_to_company_level(signed, chain_pem=seal_chain_pem(seal))
        version = sealed_version_record(
            document=document,
            base=session.base_version,
            data=signed,
            new_signatures=len(session.placements),
            label=session.user_label,
            seal=seal,
            placements=session.placements,
        )
        if renew_by is not None:
            version.archive_renew_by = renew_by
            version.save(update_fields=["archive_renew_by"])
        session.result_version = version
        _close(session, SigningSession.Status.DONE)
        return version


def signing_session_give_up(*, session_id, error: str = "failed") -> None:
    with transaction.atomic():
        session = lock_row(SigningSession, pk=session_id)
        if session.status in (SigningSession.Status.WAITING, SigningSession.Status.FINISHING):
            _close(session, SigningSession.Status.FAILED, error)


def _close(session: SigningSession, status: str, error: str = "") -> None:
    session.status = status
    session.error = error
    session.prepared_pdf = session.signature = session.signed_attributes = session.document_digest = None
    session.finished_at = timezone.now()
    session.save()
