from enum import StrEnum


class SealUseRequestOutputStatusEnum(StrEnum):
    APPROVED = "approved"
    CANCELED = "canceled"
    EXPIRED = "expired"
    PENDING = "pending"
    REJECTED = "rejected"
    USED_UP = "used_up"

    def __str__(self) -> str:
        return str(self.value)
