"""The seal request (willingness check, then a signing grant) and the sealing job the
worker runs."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.authority import Action, authority_check_for
from accounts.codes import code_give_back
from accounts.models import OneTimeCode, User
from accounts.two_factor import second_factor_verify
from config.celery import on_commit_enqueue
from config.crypto import decrypt, encrypt
from config.errors import ApplicationError
from config.row_locks import lock_row
from documents.hooks import envelope_party_sealing
from documents.models import OFD_SEALING_ERRORS, Document, DocumentVersion, SigningGrant, SigningSession
from documents.pdf.archive import long_term_data_add
from documents.pdf.ofd import OfdSigner, seal_ofd_version
from documents.pdf.sign import Placement as PdfPlacement
from documents.pdf.sign import stamp_and_sign
from documents.pdf.timestamping import TimestampUnavailable
from documents.services.archive import archive_on_sealing, archive_timestamp_for, long_term_on_signatures
from documents.services.placements import placements_as_data
from documents.services.reading import sha256_of
from documents.services.seal_use import seal_use_approval_consume, seal_use_authorise, seal_user_authority_in_force
from documents.services.signers import (
    Signer,
    person_ofd_signer,
    person_signer,
    platform_long_term,
    platform_timestamping,
    seal_ofd_signer,
    seal_signer,
)
from documents.services.versions import (
    sealed_version_record,
)
from documents.stored_files import stored_files_removed_on_failure
from documents.tasks import document_seal, document_seal_session_finish
from events.services import audit_event_record
from sealcore.ofd.errors import OfdError
from seals.models import Seal
from seals.services import seal_private_key_unlock
from tenants.models import Company

GRANT_LIFETIME = timedelta(minutes=5)


GRANT_KEY_PURPOSE = "signing-grant"


def document_seal_request(
    *,
    document: Document,
    company: Company,
    seal_id,
    user: User,
    seal_password: str,
    otp_method: str,
    otp_code: str,
    ip_address: str | None = None,
    user_agent: str = "",
    appearance: bool = True,
) -> SigningGrant:
    """The willingness check (seal password + one-time code) before any use of a seal.
    Returns a grant; the worker does the sealing. Wrong secrets count towards lockouts.
    How it was checked, from where and with what client goes in the grant and the audit row
    (the evidence package shows them).
    `appearance=False` (OFD only): a signature without a stamp (type Sign), no placement needed."""
    authority_check_for(acting_user=user, company=company, action=Action.DOCUMENT_SEAL)
    if not appearance and not document.current_version.is_ofd:
        raise ApplicationError(
            _("Only OFD files can be signed without a visible seal."), "appearance_required", field="appearance"
        )
    authorised = seal_use_authorise(
        company=company, seal_id=seal_id, user=user, document=document, without_appearance=not appearance
    )
    seal, approval, placements = authorised.seal, authorised.approval, authorised.placements
    if seal.on_hardware_token:
        raise ApplicationError(
            _("This seal's key is on a hardware key (U-key): seal with the U-key."), "seal_on_hardware_key", status=409
        )
    ofd_seal_assert_usable(document=document, seal=seal)
    data_key = seal_willingness_check(
        seal=seal,
        user=user,
        seal_password=seal_password,
        otp_method=otp_method,
        otp_code=otp_code,
        ip_address=ip_address,
    )
    with transaction.atomic():
        if approval is not None:
            # Under a row lock: two parallel confirmations cannot both take the last use.
            approval = seal_use_approval_consume(approval_id=approval.pk, seal_id=seal.pk, user=user, document=document)
        grant = signing_grant_create(
            document=document,
            seal_id=seal.pk,
            user_id=user.pk,
            user_label=str(user),
            placements=placements_as_data(placements),
            secret=data_key,
            evidence={
                "method": otp_method,
                "at": timezone.now().isoformat(),
                "ip": ip_address,
                "user_agent": user_agent[:300],
                "approval": str(approval.pk) if approval is not None else None,
                **({} if appearance else {"appearance": False}),
            },
        )
        audit_event_record(
            acting_user=user,
            action="document.seal_requested",
            target=document,
            ip_address=ip_address,
            data={
                "seal": seal.code,
                "placements": len(placements),
                "grant": str(grant.pk),
                "willingness": {"seal_password": True, "code_method": otp_method},
                "user_agent": user_agent[:300],
            },
        )
    return grant


def ofd_seal_assert_usable(*, document: Document, seal: Seal) -> None:
    """An OFD file is sealed with the seal's SM2 key and GB/T 38540 seal (a U-key holds
    neither): refused before the willingness check, with what to do about it."""
    if not document.current_version.is_ofd:
        return
    if seal.on_hardware_token:
        raise ApplicationError(
            _("OFD files cannot be sealed with a U-key yet. Use a seal with a seal password."),
            "ofd_hardware_key",
            status=409,
        )
    if not seal.has_national_seal:
        raise ApplicationError(str(OFD_SEALING_ERRORS["ofd_no_national_seal"]), "ofd_no_national_seal", status=409)


def seal_willingness_check(
    *, seal: Seal, user: User, seal_password: str, otp_method: str, otp_code: str, ip_address: str | None = None
) -> bytes:
    """One-time code, then the seal password: returns the seal's data key. Both count
    towards their lockouts. An emailed code stays usable when the seal password was wrong."""
    confirmed_at = timezone.now()
    second_factor_verify(
        user=user, method=otp_method, token=otp_code, ip_address=ip_address, purpose=OneTimeCode.Purpose.SEAL_USE
    )
    try:
        return seal_private_key_unlock(seal=seal, user=user, seal_password=seal_password, ip_address=ip_address)
    except ApplicationError:
        if otp_method == "email":
            code_give_back(user=user, purpose=OneTimeCode.Purpose.SEAL_USE, used_since=confirmed_at)
        raise


def signing_grant_create(
    *,
    document: Document,
    seal_id,
    user_id,
    user_label: str,
    placements: list[dict],
    secret: bytes,
    evidence: dict,
    envelope_party_id=None,
    certificate_pem: str = "",
    certify: bool = False,
    signature_png: bytes | None = None,
) -> SigningGrant:
    """The single-use grant and its job, queued after commit in the current schema.
    `secret` (a seal's data key or a person's one-off private key) is stored wrapped
    under the master key and dropped when the job ends. An envelope party's grant is
    created with the party row locked, so its open grant is found here: one signature
    request per party is accepted, however many arrive at once."""
    open_statuses = (SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING)
    if (
        envelope_party_id
        and SigningGrant.objects.filter(envelope_party_id=envelope_party_id, status__in=open_statuses).exists()
    ):
        raise ApplicationError(
            _("Your signature is already being applied. Wait for it to finish."), "signing_in_progress", status=409
        )
    grant = SigningGrant(
        document=document,
        base_version=document.current_version,
        seal_id=seal_id,
        user_id=user_id,
        user_label=str(user_label)[:200],
        placements=placements,
        expires_at=timezone.now() + GRANT_LIFETIME,
        evidence=evidence,
        envelope_party_id=envelope_party_id,
        certificate_pem=certificate_pem,
        certify=certify,
        signature_png=signature_png,
    )
    grant.wrapped_data_key = encrypt(secret, purpose=GRANT_KEY_PURPOSE, associated_data=str(grant.pk).encode())
    grant.save()
    on_commit_enqueue(document_seal, str(grant.pk))
    return grant


def document_seal_execute(*, grant_id) -> DocumentVersion | None:
    """Run by the worker. Idempotent: a grant produces at most one version; a crash before
    the commit leaves version N as it was and the grant re-runnable."""
    with stored_files_removed_on_failure(), transaction.atomic():
        grant = lock_row(SigningGrant, related=("document", "base_version"), pk=grant_id)
        if grant.status == SigningGrant.Status.DONE:
            return DocumentVersion.objects.get(grant=grant)
        if grant.status in (SigningGrant.Status.FAILED, SigningGrant.Status.EXPIRED):
            return None
        if grant.expires_at <= timezone.now():
            _grant_close(
                grant,
                SigningGrant.Status.EXPIRED,
                "expired",
            )
            return None
        grant.attempts += 1
        grant.status = SigningGrant.Status.RUNNING
        grant.save(update_fields=["attempts", "status"])
        document = lock_row(Document, pk=grant.document_id)
        base = grant.base_version
        envelope = envelope_party_sealing() if grant.envelope_party_id else None
        if envelope is not None:
            # Parties acting in parallel each fill their own existing fields, so an
            # envelope job signs whatever version is newest (after checking it); the
            # first signature of the document certifies it.
            base = document.current_version
            grant.certify = base.signature_count == 0
        elif document.current_version_id != base.pk:
            _grant_close(grant, SigningGrant.Status.FAILED, "document_changed")
            return None
        with base.file.open("rb") as handle:
            data = handle.read()
        if sha256_of(data) != base.sha256:
            _grant_close(
                grant,
                SigningGrant.Status.FAILED,
                "fingerprint_mismatch",
            )
            if envelope is not None:
                envelope.integrity_failed(party_id=grant.envelope_party_id, version=base)
            return None
        if envelope is not None and not envelope.may_sign(party_id=grant.envelope_party_id):
            _grant_close(grant, SigningGrant.Status.FAILED, "envelope_closed")
            return None
        secret = decrypt(
            bytes(grant.wrapped_data_key), purpose=GRANT_KEY_PURPOSE, associated_data=str(grant.pk).encode()
        )
        seal = None
        if grant.seal_id:
            seal = Seal.objects.select_related("company").get(pk=grant.seal_id)
            if seal.status != Seal.Status.ACTIVE:
                _grant_close(grant, SigningGrant.Status.FAILED, "seal_inactive")
                return None
            if not seal_user_authority_in_force(seal=seal, user_id=grant.user_id, evidence=grant.evidence):
                _grant_close(grant, SigningGrant.Status.FAILED, "authority_lost")
                return None
            if base.is_ofd:
                signed, refusal = _ofd_sealed(data, grant=grant, base=base, seal=seal, data_key=secret)
                if refusal:  # a property of the file or the seal: retrying cannot help
                    _grant_close(grant, SigningGrant.Status.FAILED, refusal)
                    return None
            else:
                signed = _stamp_all(data, grant=grant, signer=seal_signer(seal, secret))
        elif base.is_ofd:
            signed, refusal = _ofd_signed(data, grant=grant, base=base, signer=person_ofd_signer(grant, secret))
            if refusal:
                _grant_close(grant, SigningGrant.Status.FAILED, refusal)
                return None
        else:
            signed = _stamp_all(data, grant=grant, signer=person_signer(grant, secret))
        renew_by = None
        if envelope is None and not base.is_ofd and archive_on_sealing():  # B-LTA (envelopes: when they complete)
            signed, renew_by = archive_timestamp_for(signed)
        version = sealed_version_record(
            document=document,
            base=base,
            data=signed,
            # An OFD seal is one signature, whatever number of stamps it shows.
            new_signatures=1 if base.is_ofd else len(grant.placements),
            label=grant.user_label,
            seal=seal,
            grant=grant,
            placements_used=seal is not None and envelope is None and bool(grant.placements),
            placements=grant.placements,
            certified=bool(grant.certify),
        )
        if renew_by is not None:
            version.archive_renew_by = renew_by
            version.save(update_fields=["archive_renew_by"])
        _grant_close(grant, SigningGrant.Status.DONE)
        if envelope is not None:
            envelope.signed(party_id=grant.envelope_party_id, version=version)
        return version


def document_seal_wait_for_timestamp(*, grant_id, error: TimestampUnavailable) -> None:
    """No TSA gave a good timestamp: the job waits and is tried again; the person sees
    "waiting for a timestamp" (the reason is kept for the operator's log)."""
    with transaction.atomic():
        grant = lock_row(SigningGrant, pk=grant_id)
        if grant.status in (SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING):
            grant.status = SigningGrant.Status.PENDING
            grant.error = f"timestamp_{error.reason}"
            grant.save(update_fields=["status", "error"])


def document_seal_give_up(*, grant_id, error: str = "failed") -> None:
    """After the last retry: the job failed for good; say so and drop the key."""
    with transaction.atomic():
        grant = lock_row(SigningGrant, pk=grant_id)
        if grant.status in (SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING):
            _grant_close(grant, SigningGrant.Status.FAILED, error)


def _grant_close(grant: SigningGrant, status: str, error: str = "") -> None:
    grant.status = status
    grant.error = error
    grant.wrapped_data_key = None  # the key never outlives the job
    grant.finished_at = timezone.now()
    grant.save(update_fields=["status", "error", "wrapped_data_key", "finished_at"])


def signed_to_company_level(signed: bytes, *, chain_pem: list[str]) -> tuple[bytes, dt.datetime | None]:
    """A PDF whose newest signature was made at B-T elsewhere (a U-key in the browser),
    raised to the company's level: B-LT adds the validation data in a DSS revision, B-LTA
    an archive timestamp too. The second value: when that archive timestamp's TSA
    certificate expires (its renewal is due before), None without one."""
    long_term = platform_long_term(chain_pem) if long_term_on_signatures() else None
    if long_term is None:
        return signed, None
    signed = long_term_data_add(signed, validation=long_term)
    if archive_on_sealing():
        return archive_timestamp_for(signed)
    return signed, None


def _stamp_all(data: bytes, *, grant: SigningGrant, signer: Signer) -> bytes:
    timestamping = platform_timestamping()
    long_term = long_term_on_signatures()
    for index, placement in enumerate(grant.placements):
        existing_field = placement.get("field_name", "")
        data = stamp_and_sign(
            data,
            placement=PdfPlacement(**{k: v for k, v in placement.items() if k != "field_name"}),
            appearance_pdf=signer.appearance_pdf,
            signing_key=signer.signing_key,
            timestamping=timestamping,
            field_name=existing_field or f"{signer.field_prefix}-{grant.pk.hex[:8]}-{index + 1}",
            existing_field=bool(existing_field),
            reason=signer.reason,
            # Approval signatures for direct sealing: a certification would forbid the
            # signature fields later sealings add. Envelopes create every field up front,
            # so their first signature may certify.
            certify=grant.certify and index == 0,
            national=signer.national,
            long_term=platform_long_term(signer.signing_key.chain_pem) if long_term else None,
        )
    return data


# sealcore/ofd refusals by their code; the rest is a file that cannot be read for sealing.
OFD_REFUSALS = {
    "bad_placement": "ofd_bad_placement",
    "signer_not_in_seal": "ofd_signer_not_in_seal",
    "signature_list_protected": "signature_list_protected",
    "broken_signature": "broken_signature",
}


def _ofd_sealed(
    data: bytes, *, grant: SigningGrant, base: DocumentVersion, seal: Seal, data_key: bytes
) -> tuple[bytes | None, str]:
    """(the sealed OFD file, "") or (None, the grant error code)."""
    signer = seal_ofd_signer(seal, data_key)
    if signer is None:
        return None, "ofd_no_national_seal"
    return _ofd_signed(data, grant=grant, base=base, signer=signer)


def _ofd_signed(
    data: bytes, *, grant: SigningGrant, base: DocumentVersion, signer: OfdSigner
) -> tuple[bytes | None, str]:
    """A company's seal or a person's signature on an OFD file: (the signed file, "") or
    (None, the grant error code)."""
    try:
        signed = seal_ofd_version(
            data,
            # A grant made without appearance signs as type Sign: no stamp, no seal file.
            signer=signer if grant.placements else replace(signer, seal_der=None),
            placements=grant.placements,
            pages=base.pages,
            timestamping=platform_timestamping(),
        )
    except OfdError as error:
        return None, OFD_REFUSALS.get(error.code, "ofd_unreadable")
    return signed, ""


STALE_GRANT_AGE = timedelta(seconds=60)


def document_seal_requeue_stale(*, older_than: timedelta = STALE_GRANT_AGE) -> int:
    """Queue again the sealing jobs of this company whose worker vanished (killed, machine
    lost) or whose message the broker lost. Safe: a job seals at most once per grant, and a
    U-key signature is embedded at most once per session."""
    cutoff = timezone.now() - older_than
    stale = SigningGrant.objects.filter(
        status__in=[SigningGrant.Status.PENDING, SigningGrant.Status.RUNNING],
        created_at__lt=cutoff,
        expires_at__gt=timezone.now(),
    ).values_list("pk", flat=True)
    count = 0
    for grant_id in stale:
        document_seal.delay(str(grant_id))
        count += 1
    # A U-key's signature that arrived but whose embedding job was lost (the broker was away).
    finishing = SigningSession.objects.filter(status=SigningSession.Status.FINISHING, created_at__lt=cutoff)
    for session_id in finishing.values_list("pk", flat=True):
        document_seal_session_finish.delay(str(session_id))
        count += 1
    return count
