"""A person or an approver acting by link: the email code, then (for a person) the ID
number and a one-off key and certificate with which the sealing job signs their fields."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import pem as asn1_pem
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from config.celery import on_commit_enqueue
from config.crypto import encrypt, keyed_hash
from config.errors import ApplicationError
from documents.models import SigningGrant
from documents.services.sealing import signing_grant_create
from sealcore import sm2
from seals import ca, pki
from seals.image import DrawnSignatureRefused, drawn_signature_clean
from seals.services import national_person_certificate_issue
from workflows.envelopes.rules import assert_turn, id_number_hash, party_locked
from workflows.envelopes.signing import party_placements
from workflows.envelopes.trail import envelope_event_record
from workflows.links import CODE_PURPOSE
from workflows.models import Party
from workflows.tasks import envelope_mail

CODE_LIFETIME = timedelta(minutes=10)
CODE_RESEND_AFTER = timedelta(seconds=60)
CODE_MAX_FAILURES = 5
CODE_LOCK = timedelta(minutes=15)
ID_NUMBER_MAX_FAILURES = 5


def envelope_party_code_send(*, party_id, ip_address=None, user_agent: str = "") -> None:
    with transaction.atomic():
        party = party_locked(party_id)
        assert_turn(party)
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


def envelope_party_code_check(*, party_id, code: str, ip_address=None, user_agent: str = "") -> None:
    """A wrong code counts; five wrong codes lock the link for 15 minutes."""
    with transaction.atomic():
        party = party_locked(party_id)
        assert_turn(party)
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


def consent_statement(name: str) -> str:
    """What a person confirms before signing; recorded word for word in the envelope trail."""
    return _(
        "I, %(name)s, agree to sign this document electronically. My signature below has the same "
        "effect as my handwritten signature, and I have read the document."
    ) % {"name": name}


@dataclass(frozen=True)
class PersonSignature:
    """How the person signs: consent given, and a drawn signature (a PNG from the browser)
    or, as the keyboard alternative, their name typed."""

    consent: bool
    drawn_png: bytes = b""
    typed_name: str = ""


TYPED_NAME_MAX_LENGTH = 40


def _signature_checked(signature: PersonSignature) -> tuple[bytes | None, str]:
    """The clean PNG (or None) and the typed name; refuses a missing consent, a missing
    or unusable signature."""
    if not signature.consent:
        raise ApplicationError(
            _("Confirm the statement above the signature first."), "consent_required", field="consent"
        )
    if signature.drawn_png:
        try:
            return drawn_signature_clean(signature.drawn_png), ""
        except DrawnSignatureRefused as refused:
            messages = {
                "too_large": _("The drawing is too large. Clear it and draw your signature again."),
                "dimensions": _("The drawing is too large or too small. Clear it and draw your signature again."),
                "empty": _("The signature pad is empty. Draw your signature, or type your name instead."),
            }
            raise ApplicationError(
                str(messages.get(refused.reason, _("The drawing could not be read. Draw your signature again."))),
                "signature_invalid",
                field="signature",
            ) from refused
    typed = " ".join("".join(c for c in signature.typed_name if c.isprintable()).split())[:TYPED_NAME_MAX_LENGTH]
    if not typed:
        raise ApplicationError(
            _("Draw your signature, or type your name instead."), "signature_required", field="signature"
        )
    return None, typed


def envelope_person_sign(
    *,
    party_id,
    signature: PersonSignature,
    id_number: str = "",
    ip_address=None,
    user_agent: str = "",
) -> SigningGrant:
    """After the email code: a one-off key and certificate for this person, used once by
    the worker to sign the person's fields with the signature they drew (or typed), after
    they confirmed the consent statement."""
    drawn_png, typed_name = _signature_checked(signature)
    with transaction.atomic():
        party = party_locked(party_id)
        assert_turn(party)
        if party.kind != Party.Kind.PERSON:
            raise ApplicationError(_("Only persons sign with a signature."), "not_person", status=409)
        if party.id_number_failures >= ID_NUMBER_MAX_FAILURES:
            raise ApplicationError(
                _("Too many wrong ID numbers. Ask the sender to send you a new link."),
                "id_number_locked",
                status=429,
                field="id_number",
            )
        mismatch = bool(party.id_number_hash) and id_number_hash(id_number or "") != party.id_number_hash
        if mismatch:
            # Its own count: a new email code must not buy more guesses at someone's ID number.
            party.id_number_failures += 1
            party.save(update_fields=["id_number_failures"])
        else:
            envelope_event_record(
                envelope=party.envelope,
                action="consent_given",
                party=party,
                actor_label=party.name,
                ip_address=ip_address,
                user_agent=user_agent,
                data={
                    "statement": consent_statement(party.name),
                    "signature": "drawn" if drawn_png else "typed",
                    "signature_sha256": hashlib.sha256(drawn_png).hexdigest() if drawn_png else "",
                    "typed_name": typed_name,
                },
            )
            grant = _person_grant_create(
                party, ip_address=ip_address, user_agent=user_agent, drawn_png=drawn_png, typed_name=typed_name
            )
    if mismatch:  # raised after the transaction so the count is kept
        raise ApplicationError(
            _("The ID number does not match the one the sender gave."), "id_number_mismatch", field="id_number"
        )
    return grant


def _person_grant_create(
    party: Party, *, ip_address, user_agent: str, drawn_png: bytes | None, typed_name: str
) -> SigningGrant:
    if party.envelope.document.current_version.is_ofd:
        secret, certificate_pem = _person_sm2_key_and_certificate(party)
    else:
        secret, certificate_pem = _person_key_and_certificate(party)
    grant = signing_grant_create(
        document=party.envelope.document,
        seal_id=None,
        user_id=None,
        user_label=party.name,
        placements=party_placements(party),
        secret=secret,
        evidence={
            "method": "email",
            "at": timezone.now().isoformat(),
            "ip": ip_address,
            "party": str(party.pk),
            "consent": True,
            "typed_name": typed_name,
        },
        envelope_party_id=party.pk,
        signature_png=drawn_png,
        certificate_pem=certificate_pem,
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


def _person_key_and_certificate(party: Party) -> tuple[bytes, str]:
    """A one-off P-256 key (PKCS#8 DER) and its certificate from the platform seal CA (PDF)."""
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
    pki.issued_note(pki.Role.SEAL_CA, certificate)
    secret = private_key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return secret, certificate.public_bytes(serialization.Encoding.PEM).decode()


def _person_sm2_key_and_certificate(party: Party) -> tuple[bytes, str]:
    """A one-off SM2 key pair and its certificate from the platform's SM2 maker (OFD: GB/T
    38540 signatures are SM2 only)."""
    key_pair = sm2.generate_key_pair()
    certificate_der = national_person_certificate_issue(
        name=party.name, email=party.email, public_key=key_pair.public_key
    )
    return key_pair.to_bytes(), asn1_pem.armor("CERTIFICATE", certificate_der).decode()
