from enum import StrEnum


class EnvelopeFieldKindEnum(StrEnum):
    SEAL = "seal"
    SIGNATURE = "signature"

    def __str__(self) -> str:
        return str(self.value)
