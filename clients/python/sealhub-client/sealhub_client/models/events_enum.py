from enum import StrEnum


class EventsEnum(StrEnum):
    DOCUMENT_SEALED = "document.sealed"
    ENVELOPE_COMPLETED = "envelope.completed"
    ENVELOPE_DECLINED = "envelope.declined"
    ENVELOPE_EXPIRED = "envelope.expired"
    ENVELOPE_PARTY_SIGNED = "envelope.party_signed"
    ENVELOPE_SENT = "envelope.sent"
    EVIDENCE_READY = "evidence.ready"
    SEAL_APPROVED = "seal.approved"
    SEAL_REJECTED = "seal.rejected"
    SEAL_REVOKED = "seal.revoked"

    def __str__(self) -> str:
        return str(self.value)
