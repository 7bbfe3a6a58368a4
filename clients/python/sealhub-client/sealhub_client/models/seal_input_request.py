from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define

from ..models.otp_method_enum import OtpMethodEnum
from ..types import UNSET, Unset

T = TypeVar("T", bound="SealInputRequest")


@_attrs_define
class SealInputRequest:
    """
    Attributes:
        seal_id (UUID):
        seal_password (str):
        otp_method (OtpMethodEnum): * `authenticator` - authenticator
            * `recovery_code` - recovery_code
            * `email` - email
        otp_code (str):
        appearance (bool | Unset): OFD only: false signs without a visible seal (a GB/T 33190 signature of type Sign);
            no placement is needed Default: True.
    """

    seal_id: UUID
    seal_password: str
    otp_method: OtpMethodEnum
    otp_code: str
    appearance: bool | Unset = True

    def to_dict(self) -> dict[str, Any]:
        seal_id = str(self.seal_id)

        seal_password = self.seal_password

        otp_method = self.otp_method.value

        otp_code = self.otp_code

        appearance = self.appearance

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "seal_id": seal_id,
                "seal_password": seal_password,
                "otp_method": otp_method,
                "otp_code": otp_code,
            }
        )
        if appearance is not UNSET:
            field_dict["appearance"] = appearance

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        seal_id = UUID(d.pop("seal_id"))

        seal_password = d.pop("seal_password")

        otp_method = OtpMethodEnum(d.pop("otp_method"))

        otp_code = d.pop("otp_code")

        appearance = d.pop("appearance", UNSET)

        seal_input_request = cls(
            seal_id=seal_id,
            seal_password=seal_password,
            otp_method=otp_method,
            otp_code=otp_code,
            appearance=appearance,
        )

        return seal_input_request
