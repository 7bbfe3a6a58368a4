from enum import StrEnum


class PlacementOutputKindEnum(StrEnum):
    CROSS_PAGE = "cross_page"
    SINGLE = "single"

    def __str__(self) -> str:
        return str(self.value)
