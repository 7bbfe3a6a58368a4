from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.issuer_enum import IssuerEnum
from ..models.seal_status_enum import SealStatusEnum
from ..models.seal_type_enum import SealTypeEnum

T = TypeVar("T", bound="SealOutput")


@_attrs_define
class SealOutput:
    """
    Attributes:
        id (UUID):
        code (str):
        name (str):
        seal_type (SealTypeEnum): * `official` - 公章
            * `contract` - 合同专用章
            * `finance` - 财务专用章
            * `invoice` - 发票专用章
            * `legal_representative` - 法定代表人名章
        issuer (IssuerEnum): * `platform` - Sealhub 印章 CA
            * `third_party` - 第三方 CA
            * `hardware_token` - 第三方 CA，硬件密钥（U盾）
        status (SealStatusEnum): * `active` - 有效
            * `suspended` - 已停用
            * `revoked` - 已吊销
        certificate_serial (str):
        not_before (datetime.datetime):
        not_after (datetime.datetime):
        created_at (datetime.datetime):
    """

    id: UUID
    code: str
    name: str
    seal_type: SealTypeEnum
    issuer: IssuerEnum
    status: SealStatusEnum
    certificate_serial: str
    not_before: datetime.datetime
    not_after: datetime.datetime
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        code = self.code

        name = self.name

        seal_type = self.seal_type.value

        issuer = self.issuer.value

        status = self.status.value

        certificate_serial = self.certificate_serial

        not_before = self.not_before.isoformat()

        not_after = self.not_after.isoformat()

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "code": code,
                "name": name,
                "seal_type": seal_type,
                "issuer": issuer,
                "status": status,
                "certificate_serial": certificate_serial,
                "not_before": not_before,
                "not_after": not_after,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        code = d.pop("code")

        name = d.pop("name")

        seal_type = SealTypeEnum(d.pop("seal_type"))

        issuer = IssuerEnum(d.pop("issuer"))

        status = SealStatusEnum(d.pop("status"))

        certificate_serial = d.pop("certificate_serial")

        not_before = datetime.datetime.fromisoformat(d.pop("not_before"))

        not_after = datetime.datetime.fromisoformat(d.pop("not_after"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        seal_output = cls(
            id=id,
            code=code,
            name=name,
            seal_type=seal_type,
            issuer=issuer,
            status=status,
            certificate_serial=certificate_serial,
            not_before=not_before,
            not_after=not_after,
            created_at=created_at,
        )

        seal_output.additional_properties = d
        return seal_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
