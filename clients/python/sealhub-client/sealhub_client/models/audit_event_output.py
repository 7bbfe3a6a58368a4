from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar
from uuid import UUID

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AuditEventOutput")


@_attrs_define
class AuditEventOutput:
    """
    Attributes:
        id (UUID):
        occurred_at (datetime.datetime):
        actor (str):
        action (str):
        action_label (str):
        target_type (str):
        target_id (str):
        data (Any):
    """

    id: UUID
    occurred_at: datetime.datetime
    actor: str
    action: str
    action_label: str
    target_type: str
    target_id: str
    data: Any
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = str(self.id)

        occurred_at = self.occurred_at.isoformat()

        actor = self.actor

        action = self.action

        action_label = self.action_label

        target_type = self.target_type

        target_id = self.target_id

        data = self.data

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "occurred_at": occurred_at,
                "actor": actor,
                "action": action,
                "action_label": action_label,
                "target_type": target_type,
                "target_id": target_id,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = UUID(d.pop("id"))

        occurred_at = datetime.datetime.fromisoformat(d.pop("occurred_at"))

        actor = d.pop("actor")

        action = d.pop("action")

        action_label = d.pop("action_label")

        target_type = d.pop("target_type")

        target_id = d.pop("target_id")

        data = d.pop("data")

        audit_event_output = cls(
            id=id,
            occurred_at=occurred_at,
            actor=actor,
            action=action,
            action_label=action_label,
            target_type=target_type,
            target_id=target_id,
            data=data,
        )

        audit_event_output.additional_properties = d
        return audit_event_output

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
