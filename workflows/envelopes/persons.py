"""A person or an approver acting by link: the email code, then (for a person) the ID
number and a one-off key and certificate with which the sealing job signs their fields."""

from __future__ import annotations

import secrets
from datetime import timedelta

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
from seals import ca, pki
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


def envelope_person_sign(*, party_id, id_number: str = "", ip_address=None, user_agent: str = "") -> SigningGrant:
    """After the email code: a one-off key and certificate for this person, used once by
    the worker to sign the person's fields."""
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
            grant = _person_grant_create(party, ip_address=ip_address, user_agent=user_agent)
    if mismatch:  # raised after the transaction so the count is kept
        raise ApplicationError(
            _("The ID number does not match the one the sender gave."), "id_number_mismatch", field="id_number"
        )
    return grant


def _person_grant_create(party: Party, *, ip_address, user_agent: str) -> SigningGrant:
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
    grant = signing_grant_create(
        document=party.envelope.document,
        seal_id=None,
        user_id=None,
        user_label=party.name,
        placements=party_placements(party),
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
