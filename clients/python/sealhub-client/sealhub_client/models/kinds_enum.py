from enum import StrEnum


class KindsEnum(StrEnum):
    EMBEDDED_FILE = "embedded_file"
    IMPORT_DATA = "import_data"
    JAVASCRIPT = "javascript"
    LAUNCH = "launch"
    MULTIMEDIA = "multimedia"
    OTHER_FILE = "other_file"
    SUBMIT_FORM = "submit_form"
    XFA_FORM = "xfa_form"

    def __str__(self) -> str:
        return str(self.value)
