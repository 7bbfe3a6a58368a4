from enum import StrEnum


class RoleEnum(StrEnum):
    ADMIN = "admin"
    AUDITOR = "auditor"
    MEMBER = "member"
    OWNER = "owner"
    SEAL_KEEPER = "seal_keeper"

    def __str__(self) -> str:
        return str(self.value)
