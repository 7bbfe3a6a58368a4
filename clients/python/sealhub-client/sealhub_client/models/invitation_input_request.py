from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.role_enum import RoleEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="InvitationInputRequest")


@_attrs_define
class InvitationInputRequest:
    """
    Attributes:
        email (str):
        role (RoleEnum | Unset): * `owner` - 所有者
            * `admin` - 管理员
            * `seal_keeper` - 印章保管员
            * `member` - 成员
            * `auditor` - 审计员 Default: RoleEnum.MEMBER.
    """

    email: str
    role: RoleEnum | Unset = RoleEnum.MEMBER

    def to_dict(self) -> dict[str, Any]:
        email = self.email

        role: str | Unset = UNSET
        if not isinstance(self.role, Unset):
            role = self.role.value

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "email": email,
            }
        )
        if role is not UNSET:
            field_dict["role"] = role

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        email = d.pop("email")

        _role = d.pop("role", UNSET)
        role: RoleEnum | Unset
        if isinstance(_role, Unset):
            role = UNSET
        else:
            role = RoleEnum(_role)

        invitation_input_request = cls(
            email=email,
            role=role,
        )

        return invitation_input_request
