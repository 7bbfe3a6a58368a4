from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ApproveInputRequest")


@_attrs_define
class ApproveInputRequest:
    """
    Attributes:
        document_only (bool | Unset): false: any document of the company Default: True.
        uses_allowed (int | Unset):  Default: 1.
        valid_until (datetime.datetime | None | Unset):
    """

    document_only: bool | Unset = True
    uses_allowed: int | Unset = 1
    valid_until: datetime.datetime | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        document_only = self.document_only

        uses_allowed = self.uses_allowed

        valid_until: None | str | Unset
        if isinstance(self.valid_until, Unset):
            valid_until = UNSET
        elif isinstance(self.valid_until, datetime.datetime):
            valid_until = self.valid_until.isoformat()
        else:
            valid_until = self.valid_until

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if document_only is not UNSET:
            field_dict["document_only"] = document_only
        if uses_allowed is not UNSET:
            field_dict["uses_allowed"] = uses_allowed
        if valid_until is not UNSET:
            field_dict["valid_until"] = valid_until

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        document_only = d.pop("document_only", UNSET)

        uses_allowed = d.pop("uses_allowed", UNSET)

        def _parse_valid_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_type_0 = datetime.datetime.fromisoformat(data)

                return valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        valid_until = _parse_valid_until(d.pop("valid_until", UNSET))

        approve_input_request = cls(
            document_only=document_only,
            uses_allowed=uses_allowed,
            valid_until=valid_until,
        )

        return approve_input_request
