from enum import StrEnum


class FormatEnum(StrEnum):
    OFD = "ofd"
    PDF = "pdf"

    def __str__(self) -> str:
        return str(self.value)
