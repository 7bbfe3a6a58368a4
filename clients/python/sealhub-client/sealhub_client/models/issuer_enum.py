from enum import StrEnum


class IssuerEnum(StrEnum):
    HARDWARE_TOKEN = "hardware_token"
    PLATFORM = "platform"
    THIRD_PARTY = "third_party"

    def __str__(self) -> str:
        return str(self.value)
