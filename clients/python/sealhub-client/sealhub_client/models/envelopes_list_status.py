from enum import StrEnum


class EnvelopesListStatus(StrEnum):
    CANCELED = "canceled"
    COMPLETED = "completed"
    DECLINED = "declined"
    DRAFT = "draft"
    EXPIRED = "expired"
    IN_PROGRESS = "in_progress"

    def __str__(self) -> str:
        return str(self.value)
