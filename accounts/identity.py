"""Identity numbers and contact details: validation and masking (no Django)."""

from __future__ import annotations

import re

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric

MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")


class InvalidIdNumber(ValueError):
    pass


def id_number_clean(value: str) -> str:
    """The canonical 18-character resident ID number, or InvalidIdNumber saying why."""
    try:
        return ric.validate(value.strip().upper())
    except stdnum_exceptions.InvalidChecksum as exc:
        raise InvalidIdNumber("checksum") from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise InvalidIdNumber("birth_date") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise InvalidIdNumber("format") from exc


def mask_id_number(id_number: str) -> str:
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def mask_mobile(mobile: str) -> str:
    return mobile[:3] + "****" + mobile[-4:] if len(mobile) >= 7 else "****"


def mask_email(email: str) -> str:
    local, _at, domain = email.partition("@")
    return f"{local[:1]}***@{domain}"
