from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.seal_use_request_output_status_enum import SealUseRequestOutputStatusEnum

T = TypeVar("T", bound="SealUseRequestOutput")


@_attrs_define
class SealUseRequestOutput:
    """
    Attributes:
        id (UUID):
        document_id (UUID):
        document_name (str):
        seal_id (UUID):
        seal (str):
        requester_id (UUID):
        requester (str):
        reason (str):
        placements (Any): The requester's placements of the seal when asking (PDF points)
        status (SealUseRequestOutputStatusEnum): * `pending` - 待审批
            * `approved` - 已通过
            * `rejected` - 已驳回
            * `canceled` - 已撤回
            * `used_up` - 已用完
            * `expired` - 已过期
        decision_reason (str):
        decided_by (str):
        decided_at (datetime.datetime | None):
        document_only (bool):
        uses_allowed (int):
        uses_count (int):
        valid_until (datetime.datetime | None):
        created_at (datetime.datetime):
    """

    id: UUID
    document_id: UUID
    document_name: str
    seal_id: UUID
    seal: str
    requester_id: UUID
    requester: str
    reason: str
    placements: Any
    status: SealUseRequestOutputStatusEnum
    decision_reason: str
    decided_by: str
    decided_at: datetime.datetime | None
    document_only: bool
    uses_allowed: int
    uses_count: int
    valid_until: datetime.datetime | None
    created_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        document_id = str(self.document_id)

        document_name = self.document_name

        seal_id = str(self.seal_id)

        seal = self.seal

        requester_id = str(self.requester_id)

        requester = self.requester

        reason = self.reason

        placements = self.placements

        status = self.status.value

        decision_reason = self.decision_reason

        decided_by = self.decided_by

        decided_at: None | str
        if isinstance(self.decided_at, datetime.datetime):
            decided_at = self.decided_at.isoformat()
        else:
            decided_at = self.decided_at

        document_only = self.document_only

        uses_allowed = self.uses_allowed

        uses_count = self.uses_count

        valid_until: None | str
        if isinstance(self.valid_until, datetime.datetime):
            valid_until = self.valid_until.isoformat()
        else:
            valid_until = self.valid_until

        created_at = self.created_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "document_id": document_id,
                "document_name": document_name,
                "seal_id": seal_id,
                "seal": seal,
                "requester_id": requester_id,
                "requester": requester,
                "reason": reason,
                "placements": placements,
                "status": status,
                "decision_reason": decision_reason,
                "decided_by": decided_by,
                "decided_at": decided_at,
                "document_only": document_only,
                "uses_allowed": uses_allowed,
                "uses_count": uses_count,
                "valid_until": valid_until,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        document_id = UUID(d.pop("document_id"))

        document_name = d.pop("document_name")

        seal_id = UUID(d.pop("seal_id"))

        seal = d.pop("seal")

        requester_id = UUID(d.pop("requester_id"))

        requester = d.pop("requester")

        reason = d.pop("reason")

        placements = d.pop("placements")

        status = SealUseRequestOutputStatusEnum(d.pop("status"))

        decision_reason = d.pop("decision_reason")

        decided_by = d.pop("decided_by")

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

        document_only = d.pop("document_only")

        uses_allowed = d.pop("uses_allowed")

        uses_count = d.pop("uses_count")

        def _parse_valid_until(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_type_0 = datetime.datetime.fromisoformat(data)

                return valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        valid_until = _parse_valid_until(d.pop("valid_until"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        seal_use_request_output = cls(
            id=id,
            document_id=document_id,
            document_name=document_name,
            seal_id=seal_id,
            seal=seal,
            requester_id=requester_id,
            requester=requester,
            reason=reason,
            placements=placements,
            status=status,
            decision_reason=decision_reason,
            decided_by=decided_by,
            decided_at=decided_at,
            document_only=document_only,
            uses_allowed=uses_allowed,
            uses_count=uses_count,
            valid_until=valid_until,
            created_at=created_at,
        )

        seal_use_request_output.additional_properties = d
        return seal_use_request_output

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
