from enum import StrEnum


class InboxDocumentFile(StrEnum):
    CERTIFICATE = "certificate"
    DOCUMENT = "document"

    def __str__(self) -> str:
        return str(self.value)
