from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.seal_status_enum import SealStatusEnum

T = TypeVar("T", bound="SealStatusInputRequest")


@_attrs_define
class SealStatusInputRequest:
    """
    Attributes:
        status (SealStatusEnum): * `active` - 有效
            * `suspended` - 已停用
            * `revoked` - 已吊销
        reason (str):
    """

    status: SealStatusEnum
    reason: str

    def to_dict(self) -> dict[str, Any]:
        status = self.status.value

        reason = self.reason

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "status": status,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        status = SealStatusEnum(d.pop("status"))

        reason = d.pop("reason")

        seal_status_input_request = cls(
            status=status,
            reason=reason,
        )

        return seal_status_input_request
