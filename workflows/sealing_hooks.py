"""The envelope's side of the sealing job (documents/hooks.py): a party's grant is sealed
by `documents`, which asks and tells the envelope through these hooks."""

from __future__ import annotations

from documents.models import DocumentVersion
from workflows.envelopes.signing import envelope_integrity_alert, envelope_party_may_sign, envelope_party_signed


class EnvelopePartySealing:
    def may_sign(self, *, party_id) -> bool:
        return envelope_party_may_sign(party_id=party_id)

    def signed(self, *, party_id, version: DocumentVersion) -> None:
        envelope_party_signed(party_id=party_id, version=version)

    def integrity_failed(self, *, party_id, version: DocumentVersion) -> None:
        envelope_integrity_alert(party_id=party_id, version=version)
