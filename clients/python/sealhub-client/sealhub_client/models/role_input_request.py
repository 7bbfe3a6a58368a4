from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role_enum import RoleEnum

T = TypeVar("T", bound="RoleInputRequest")


@_attrs_define
class RoleInputRequest:
    """
    Attributes:
        role (RoleEnum): * `owner` - 所有者
            * `admin` - 管理员
            * `seal_keeper` - 印章保管员
            * `member` - 成员
            * `auditor` - 审计员
    """

    role: RoleEnum

    def to_dict(self) -> dict[str, Any]:
        role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "role": role,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        role = RoleEnum(d.pop("role"))

        role_input_request = cls(
            role=role,
        )

        return role_input_request
