from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.seal_application_status_enum import SealApplicationStatusEnum
from ..models.seal_type_enum import SealTypeEnum

T = TypeVar("T", bound="SealApplicationOutput")


@_attrs_define
class SealApplicationOutput:
    """
    Attributes:
        id (UUID):
        seal_type (SealTypeEnum): * `official` - 公章
            * `contract` - 合同专用章
            * `finance` - 财务专用章
            * `invoice` - 发票专用章
            * `legal_representative` - 法定代表人名章
        seal_name (str):
        key_algorithm (str):
        status (SealApplicationStatusEnum): * `submitted` - 待审核
            * `approved` - 已通过
            * `rejected` - 已驳回
        submitted_at (datetime.datetime):
        decided_at (datetime.datetime | None):
        decision_reason (str):
        seal_id (None | str):
    """

    id: UUID
    seal_type: SealTypeEnum
    seal_name: str
    key_algorithm: str
    status: SealApplicationStatusEnum
    submitted_at: datetime.datetime
    decided_at: datetime.datetime | None
    decision_reason: str
    seal_id: None | str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        seal_type = self.seal_type.value

        seal_name = self.seal_name

        key_algorithm = self.key_algorithm

        status = self.status.value

        submitted_at = self.submitted_at.isoformat()

        decided_at: None | str
        if isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        decision_reason = self.decision_reason

        seal_id: None | str
        seal_id = self.seal_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "seal_type": seal_type,
                "seal_name": seal_name,
                "key_algorithm": key_algorithm,
                "status": status,
                "submitted_at": submitted_at,
                "decided_at": decided_at,
                "decision_reason": decision_reason,
                "seal_id": seal_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        seal_type = SealTypeEnum(d.pop("seal_type"))

        seal_name = d.pop("seal_name")

        key_algorithm = d.pop("key_algorithm")

        status = SealApplicationStatusEnum(d.pop("status"))

        submitted_at = datetime.datetime.fromisoformat(d.pop("submitted_at"))

        def _parse_decided_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                decided_at_type_0 = datetime.datetime.fromisoformat(data)

                return decided_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        decided_at = _parse_decided_at(d.pop("decided_at"))

        decision_reason = d.pop("decision_reason")

        def _parse_seal_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        seal_id = _parse_seal_id(d.pop("seal_id"))

        seal_application_output = cls(
            id=id,
            seal_type=seal_type,
            seal_name=seal_name,
            key_algorithm=key_algorithm,
            status=status,
            submitted_at=submitted_at,
            decided_at=decided_at,
            decision_reason=decision_reason,
            seal_id=seal_id,
        )

        seal_application_output.additional_properties = d
        return seal_application_output

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
