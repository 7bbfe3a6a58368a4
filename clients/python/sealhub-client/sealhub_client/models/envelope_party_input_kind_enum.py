from enum import StrEnum


class EnvelopePartyInputKindEnum(StrEnum):
    APPROVER = "approver"
    COMPANY = "company"
    COPY = "copy"
    PERSON = "person"

    def __str__(self) -> str:
        return str(self.value)
