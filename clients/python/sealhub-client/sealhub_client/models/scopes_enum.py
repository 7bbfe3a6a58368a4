from enum import StrEnum


class ScopesEnum(StrEnum):
    ADMIN = "admin"
    DOCUMENTS = "documents"
    ENVELOPES = "envelopes"
    READ = "read"
    SEALS = "seals"

    def __str__(self) -> str:
        return str(self.value)
