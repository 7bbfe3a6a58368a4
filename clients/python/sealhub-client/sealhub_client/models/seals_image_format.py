from enum import StrEnum


class SealsImageFormat(StrEnum):
    PDF = "pdf"
    PNG = "png"

    def __str__(self) -> str:
        return str(self.value)
