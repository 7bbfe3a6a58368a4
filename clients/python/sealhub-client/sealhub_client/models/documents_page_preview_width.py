from enum import IntEnum


class DocumentsPagePreviewWidth(IntEnum):
    VALUE_200 = 200
    VALUE_900 = 900

    def __str__(self) -> str:
        return str(self.value)
