from enum import StrEnum


class SealTypeEnum(StrEnum):
    CONTRACT = "contract"
    FINANCE = "finance"
    INVOICE = "invoice"
    LEGAL_REPRESENTATIVE = "legal_representative"
    OFFICIAL = "official"

    def __str__(self) -> str:
        return str(self.value)
