from enum import StrEnum


class OtpMethodEnum(StrEnum):
    AUTHENTICATOR = "authenticator"
    EMAIL = "email"
    RECOVERY_CODE = "recovery_code"

    def __str__(self) -> str:
        return str(self.value)
