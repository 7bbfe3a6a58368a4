"""Where a higher app reacts to the sealing job without `documents` importing it.

A grant made for an envelope party (`SigningGrant.envelope_party_id`) is sealed by the same
job as any other; the envelope that owns the party says whether it may still sign and hears
how it went. `workflows` registers these hooks in its AppConfig.ready()
(workflows/sealing_hooks.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from documents.models import DocumentVersion


class EnvelopePartySealing(Protocol):
    def may_sign(self, *, party_id) -> bool:
        """Checked with the grant locked, before the key is unwrapped: is the envelope still
        open and is it this party's turn?"""

    def signed(self, *, party_id, version: DocumentVersion) -> None:
        """The party's signature is in `version`, in the job's transaction."""

    def integrity_failed(self, *, party_id, version: DocumentVersion) -> None:
        """The stored file of `version` no longer matches its fingerprint; the grant failed."""


_envelope_party_sealing: EnvelopePartySealing | None = None


def envelope_party_sealing_register(hooks: EnvelopePartySealing) -> None:
    global _envelope_party_sealing
    _envelope_party_sealing = hooks


def envelope_party_sealing() -> EnvelopePartySealing:
    if _envelope_party_sealing is None:
        raise RuntimeError("a grant names an envelope party, but no app registered the envelope hooks")
    return _envelope_party_sealing


class EnvelopeEvidence(Protocol):
    def evidence(self, *, envelope_id) -> dict:
        """What an evidence package shows of an envelope, read in the owner's schema:
        `subject`, `parties` (order, name, role, contact, status, acted_at), `events` (the
        envelope's hash chain: sequence, occurred_at, action, actor, ip, user_agent,
        willingness, hash, previous, payload) and `chain` (intact, broken_at)."""


_envelope_evidence: EnvelopeEvidence | None = None


def envelope_evidence_register(hooks: EnvelopeEvidence) -> None:
    global _envelope_evidence
    _envelope_evidence = hooks


def envelope_evidence() -> EnvelopeEvidence:
    if _envelope_evidence is None:
        raise RuntimeError("an evidence package names an envelope, but no app registered the envelope evidence")
    return _envelope_evidence
